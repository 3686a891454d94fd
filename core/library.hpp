// core: the library-wide state: the handle table and the registries that go with it (which
// provider belongs to which open instance, providers made by plugins, transports). This is the
// only global mutable state of libdrt (style.md); everything else hangs off handles.
#pragma once

#include "event_queue.hpp"
#include "handle_table.hpp"
#include "runtime/plugin_loader.hpp"
#include "runtime/worker.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace drt::core {

// A provider made by a plugin factory; destroying it calls the plugin's Delete function and
// lets the plugin be unmapped once nothing else uses it.
struct created_provider {
  DRT_PROVIDER_KIND kind{};
  std::shared_ptr<runtime::loaded_plugin> plugin;
  const DRT_PROVIDER_DESCRIPTOR* descriptor = nullptr;
  void* provider = nullptr;
  std::shared_ptr<std::atomic<int>> plugin_handle_uses;  // counts providers per plugin handle

  created_provider() = default;
  created_provider(const created_provider&) = delete;
  created_provider& operator=(const created_provider&) = delete;
  ~created_provider();
};

// What a transport handle refers to. Fields below `table` are guarded by library::mutex.
struct transport_object {
  DRT_TRANSPORT_PROVIDER table{};
  std::shared_ptr<created_provider> owner;  // null for an application-supplied table
  bool deleting = false;
  bool busy = false;                      // a DrtOpen or DrtClose using it is in progress
  const void* attached_instance = nullptr;  // the instance it is attached to
  const void* in_callback_of = nullptr;   // instance whose provider callback is running
};

// A plugin handle (HDRT_PLUGIN).
struct plugin_handle_object {
  std::shared_ptr<runtime::loaded_plugin> plugin;
  std::shared_ptr<std::atomic<int>> live_providers = std::make_shared<std::atomic<int>>(0);
};

class library {
 public:
  handle_table handles;
  fd_notifier notifier;
  runtime::plugin_cache plugins;

  runtime::worker& worker();

  // Guards the registries below and transport_object's state fields.
  std::mutex mutex;
  std::map<const void*, std::shared_ptr<created_provider>> created;  // by provider pointer
  std::map<const void*, const void*> attached;  // provider pointer -> instance using it
  std::set<const void*> delete_when_detached;    // deletion deferred by an open instance
  std::atomic<std::uint32_t> opens{0};           // successful opens (instance names)

 private:
  std::once_flag worker_once_;
  std::unique_ptr<runtime::worker> worker_;
};

library& lib();

// True once libdrt's process-exit teardown has started (spec/api.md §1.10).
bool library_unavailable();

// Deletes a plugin-made provider now, or when the instance using it closes. Unknown pointers
// are ignored (spec/api.md §5.6).
void delete_created_provider(const void* provider, DRT_PROVIDER_KIND kind);

}  // namespace drt::core
