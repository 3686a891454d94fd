// bench_handles: the handle-table lookup every C API entry point starts with (core/handle_table),
// for a live handle among few or many, and for a stale one (docs/performance.md).
#include "handle_table.hpp"

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

namespace {

// ---- handle table ------------------------------------------------------------------------------

void BM_HandleTableFind(benchmark::State& state) {
  drt::core::handle_table table;
  std::vector<void*> handles;
  for (int i = 0; i < state.range(0); ++i)
    handles.push_back(table.insert(drt::core::handle_kind::search, std::make_shared<int>(i)));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(table.find<int>(handles[i++ % handles.size()], drt::core::handle_kind::search));
}
BENCHMARK(BM_HandleTableFind)->Arg(16)->Arg(4096);

void BM_HandleTableFindStale(benchmark::State& state) {
  drt::core::handle_table table;
  void* h = table.insert(drt::core::handle_kind::search, std::make_shared<int>(1));
  (void)table.remove(h, drt::core::handle_kind::search);
  for (auto _ : state) benchmark::DoNotOptimize(table.find<int>(h, drt::core::handle_kind::search));
}
BENCHMARK(BM_HandleTableFindStale);

}  // namespace

BENCHMARK_MAIN();
