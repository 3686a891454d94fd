#include "transport_harness.hpp"

#include <cstring>

namespace drt::tests {

std::string transport_plugin_path() { return std::string(OPENDRT_TEST_PLUGIN_DIR) + "/drt-transport-ipv6.so"; }

DRT_TRANSPORT_CALLBACKS receiver::callbacks(std::uint32_t flags) {
  return DRT_TRANSPORT_CALLBACKS{sizeof(DRT_TRANSPORT_CALLBACKS), this, on_datagram, on_address_change, on_fault, flags};
}

void receiver::on_datagram(void* ctx, const sockaddr_in6* from, const sockaddr_in6* local, const std::uint8_t* pb,
                           std::uint32_t cb) {
  auto* self = static_cast<receiver*>(ctx);
  datagram d{*from, *local, bytes(pb, pb + cb), std::this_thread::get_id()};
  if (self->on_datagram_hook) self->on_datagram_hook(d);
  std::lock_guard lock(self->mutex_);
  self->datagrams_.push_back(std::move(d));
  self->changed_.notify_all();
}

void receiver::on_address_change(void* ctx) {
  auto* self = static_cast<receiver*>(ctx);
  std::lock_guard lock(self->mutex_);
  ++self->address_changes_;
  self->changed_.notify_all();
}

void receiver::on_fault(void* ctx, HRESULT hr) {
  auto* self = static_cast<receiver*>(ctx);
  std::lock_guard lock(self->mutex_);
  self->faults_.push_back(hr);
  self->changed_.notify_all();
}

bool receiver::wait_datagrams(std::size_t n) {
  return wait_for(mutex_, changed_, [&] { return datagrams_.size() >= n; });
}

bool receiver::wait_address_changes(int n) {
  return wait_for(mutex_, changed_, [&] { return address_changes_ >= n; });
}

std::vector<datagram> receiver::datagrams() {
  std::lock_guard lock(mutex_);
  return datagrams_;
}

std::size_t receiver::count() {
  std::lock_guard lock(mutex_);
  return datagrams_.size();
}

int receiver::address_changes() {
  std::lock_guard lock(mutex_);
  return address_changes_;
}

transport::transport(const provider_plugin& plugin, params& p)
    : descriptor_(plugin.provider(DRT_PROVIDER_KIND_TRANSPORT, "ipv6-udp")) {
  if (descriptor_ == nullptr) return;
  created_ = descriptor_->CreateTransportProvider(p.config(), &table_);
}

transport::~transport() {
  if (table_ != nullptr) descriptor_->DeleteTransportProvider(table_);
}

HRESULT transport::attach(receiver& r, std::uint32_t flags) {
  const DRT_TRANSPORT_CALLBACKS c = r.callbacks(flags);
  return table_->Attach(table_->pvContext, &c);
}

int transport::receive_descriptor() { return table_->GetReceiveDescriptor(table_->pvContext); }

HRESULT transport::receive(std::uint32_t max, std::uint32_t& read) {
  return table_->Receive(table_->pvContext, max, &read);
}

void transport::detach() { table_->Detach(table_->pvContext); }

HRESULT transport::send(const sockaddr_in6& to, const bytes& data, const sockaddr_in6* from) {
  return table_->SendTo(table_->pvContext, &to, from, data.data(), static_cast<std::uint32_t>(data.size()));
}

std::uint16_t transport::port() {
  std::uint16_t p = 0;
  if (FAILED(table_->GetPort(table_->pvContext, &p))) return 0;
  return p;
}

HRESULT transport::addresses(std::vector<sockaddr_in6>& out) {
  out.clear();
  SOCKET_ADDRESS_LIST* list = nullptr;
  const HRESULT hr = table_->GetLocalAddresses(table_->pvContext, &list);
  if (list != nullptr) {
    const SOCKET_ADDRESS* slots = list->Address;
    for (std::int32_t i = 0; i < list->iAddressCount; ++i) {
      sockaddr_in6 a;
      std::memcpy(&a, slots[i].lpSockaddr, sizeof a);
      out.push_back(a);
    }
    table_->FreeData(table_->pvContext, list);
  }
  return hr;
}

DRT_IPV6_UDP_STATISTICS transport::statistics() {
  DRT_IPV6_UDP_STATISTICS s{};
  s.cbSize = sizeof s;
  const auto* full = reinterpret_cast<const DRT_IPV6_UDP_TABLE*>(table_);
  (void)full->GetStatistics(table_->pvContext, &s);
  return s;
}

params loopback_params(std::uint16_t port) {
  params p;
  p.integer("scope", DRT_LINK_LOCAL_SCOPE).integer("scope_id", loopback_index()).integer("port", port);
  return p;
}

}  // namespace drt::tests
