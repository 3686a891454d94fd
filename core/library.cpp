#include "library.hpp"

namespace drt::core {
namespace {

std::atomic<bool> g_torn_down{false};

// Runs when libdrt is unloaded or the process exits.
__attribute__((destructor)) void on_library_teardown() { g_torn_down.store(true); }

}  // namespace

created_provider::~created_provider() {
  if (descriptor != nullptr && provider != nullptr) {
    switch (kind) {
      case DRT_PROVIDER_KIND_SECURITY:
        descriptor->DeleteSecurityProvider(static_cast<DRT_SECURITY_PROVIDER*>(provider));
        break;
      case DRT_PROVIDER_KIND_TRANSPORT:
        descriptor->DeleteTransportProvider(static_cast<DRT_TRANSPORT_PROVIDER*>(provider));
        break;
      case DRT_PROVIDER_KIND_BOOTSTRAP:
        descriptor->DeleteBootstrapProvider(static_cast<DRT_BOOTSTRAP_PROVIDER*>(provider));
        break;
    }
  }
  if (plugin_handle_uses) --*plugin_handle_uses;
}

runtime::worker& library::worker() {
  std::call_once(worker_once_, [this] { worker_ = std::make_unique<runtime::worker>(); });
  return *worker_;
}

library& lib() {
  // Deliberately never destroyed: provider callbacks and application threads may still call in
  // while the process exits, and must find a live table (they then get E_UNEXPECTED).
  static library& instance = *std::make_unique<library>().release();
  return instance;
}

bool library_unavailable() { return g_torn_down.load(); }

void delete_created_provider(const void* provider, DRT_PROVIDER_KIND kind) {
  if (provider == nullptr) return;
  std::shared_ptr<created_provider> doomed;
  {
    std::lock_guard lock(lib().mutex);
    auto it = lib().created.find(provider);
    if (it == lib().created.end() || it->second->kind != kind) return;
    if (lib().attached.count(provider) != 0) {
      lib().delete_when_detached.insert(provider);
      return;
    }
    doomed = std::move(it->second);
    lib().created.erase(it);
  }
  doomed.reset();  // calls the plugin outside the lock
}

}  // namespace drt::core
