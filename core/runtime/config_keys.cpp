// core/runtime: typed, located keys of a TOML table (config_keys.hpp).
#include "runtime/config_keys.hpp"

#include "errors.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <sstream>
#include <system_error>

namespace drt::runtime::config {
namespace {

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// TOML's own text form: 1979-05-27, 07:32:00, 1979-05-27T07:32:00Z.
std::string date_text(const toml::node& node) {
  std::ostringstream text;
  if (const auto* d = node.as_date()) text << d->get();
  if (const auto* t = node.as_time()) text << t->get();
  if (const auto* dt = node.as_date_time()) text << dt->get();
  return text.str();
}

// docs/provider-abi.md: nested tables become "options.a.b"; an array becomes one entry per
// element, all with the array's name (elements that are tables or arrays flatten the same way).
void flatten_option(const toml::node& node, const std::string& name,
                    std::vector<provider_param>& out) {
  if (const auto* table = node.as_table()) {
    for (auto&& [key, child] : *table) flatten_option(child, name + '.' + std::string(key), out);
    return;
  }
  if (const auto* array = node.as_array()) {
    for (const toml::node& element : *array) flatten_option(element, name, out);
    return;
  }
  provider_param param;
  param.name = name;
  if (const auto* s = node.as_string()) {
    param.type = DRT_PARAM_STRING;
    param.text = s->get();
  } else if (const auto* i = node.as_integer()) {
    param.type = DRT_PARAM_INTEGER;
    param.integer = i->get();
  } else if (const auto* f = node.as_floating_point()) {
    param.type = DRT_PARAM_FLOAT;
    param.real = f->get();
  } else if (const auto* b = node.as_boolean()) {
    param.type = DRT_PARAM_BOOLEAN;
    param.integer = b->get() ? 1 : 0;
  } else {
    param.type = DRT_PARAM_STRING;
    param.text = date_text(node);
  }
  out.push_back(std::move(param));
}

}  // namespace

HRESULT context::report(const problem_report& p) const {
  return core::fail(p.hr, path + ':' + std::to_string(p.line) + ": " + p.key + ": " + p.problem);
}

HRESULT context::invalid(line_t line, std::string key, std::string problem) const {
  return report({DRT_E_CONFIG_INVALID, line, std::move(key), std::move(problem)});
}

void context::value_error(HRESULT hr, line_t line, std::string key, std::string problem) {
  if (!first_value_error) first_value_error = {hr, line, std::move(key), std::move(problem)};
}

std::string context::resolve(const std::string& file) const {
  if (std::filesystem::path(file).is_absolute()) return file;
  return (std::filesystem::path(base_directory) / file).lexically_normal().string();
}

std::string section::key(std::string_view leaf) const {
  return name.empty() ? std::string(leaf) : name + '.' + std::string(leaf);
}

const toml::node* section::find(std::string_view leaf) const {
  return table == nullptr ? nullptr : table->get(leaf);
}

line_t line_of(const toml::source_region& region) {
  return region.begin.line == 0 ? 1 : region.begin.line;
}

std::string in_quotes(std::string_view text) { return '"' + std::string(text) + '"'; }

bool contains(key_list keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

HRESULT wrong_type(const context& cx, const toml::node& node, std::string key,
                   std::string_view expected) {
  return cx.invalid(
      line_of(node.source()), std::move(key),
      "expected " + std::string(expected) + ", found " + std::string(type_name(node)));
}

int read_whole_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  out.clear();
  std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      out.append(buffer.data(), static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int err = errno;
      ::close(fd);
      return err;
    }
  }
  ::close(fd);
  return 0;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

HRESULT check_keys(const context& cx, const section& s, key_list allowed, key_list known,
                   std::string_view chosen) {
  if (s.table == nullptr) return S_OK;
  const toml::key* first = nullptr;  // toml++ iterates keys sorted by name, not in file order
  for (auto&& [key, node] : *s.table) {
    if (contains(allowed, key.str())) continue;
    if (first == nullptr || line_of(key.source()) < line_of(first->source())) first = &key;
  }
  if (first == nullptr) return S_OK;
  std::string problem = "unknown key";
  if (contains(known, first->str())) {
    problem = "does not apply to " + std::string(chosen);
  } else if (s.table->get(first->str())->is_table()) {
    problem = "unknown table";
  }
  return cx.invalid(line_of(first->source()), s.key(first->str()), std::move(problem));
}

HRESULT get_string(const context& cx, const section& s, std::string_view leaf,
                   std::optional<located<std::string>>& out) {
  const toml::node* node = s.find(leaf);
  if (node == nullptr) return S_OK;
  const auto* value = node->as_string();
  if (value == nullptr) return wrong_type(cx, *node, s.key(leaf), "a string");
  const line_t line = line_of(node->source());
  if (value->get().find('\0') != std::string::npos) {
    return cx.invalid(line, s.key(leaf), "contains a NUL character");
  }
  out = located<std::string>{value->get(), line};
  return S_OK;
}

HRESULT get_integer(const context& cx, const section& s, std::string_view leaf, std::int64_t min,
                    std::int64_t max, std::optional<located<std::int64_t>>& out) {
  const toml::node* node = s.find(leaf);
  if (node == nullptr) return S_OK;
  const auto* value = node->as_integer();
  if (value == nullptr) return wrong_type(cx, *node, s.key(leaf), "an integer");
  const line_t line = line_of(node->source());
  if (value->get() < min || value->get() > max) {
    return cx.invalid(
        line, s.key(leaf),
        "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  out = located<std::int64_t>{value->get(), line};
  return S_OK;
}

HRESULT get_interface(context& cx, const section& s, std::string_view leaf,
                      std::optional<located<std::uint32_t>>& out) {
  const toml::node* node = s.find(leaf);
  if (node == nullptr) return S_OK;
  if (node->is_string()) {
    std::optional<located<std::string>> name;
    if (HRESULT hr = get_string(cx, s, leaf, name); FAILED(hr)) return hr;
    const std::uint32_t index = ::if_nametoindex(name->value.c_str());
    if (index == 0) {
      cx.value_error(DRT_E_INVALID_SCOPE, name->line, s.key(leaf),
                     "no interface named " + in_quotes(name->value));
    }
    out = located<std::uint32_t>{index, name->line};
    return S_OK;
  }
  if (!node->is_integer()) return wrong_type(cx, *node, s.key(leaf), "a string or an integer");
  std::optional<located<std::int64_t>> number;
  if (HRESULT hr = get_integer(cx, s, leaf, 0, uint32_max, number); FAILED(hr)) return hr;
  const auto index = static_cast<std::uint32_t>(number->value);
  std::array<char, IF_NAMESIZE> name{};
  if (index != 0 && ::if_indextoname(index, name.data()) == nullptr) {
    cx.value_error(DRT_E_INVALID_SCOPE, number->line, s.key(leaf),
                   "no interface has index " + std::to_string(index));
  }
  out = located<std::uint32_t>{index, number->line};
  return S_OK;
}

HRESULT get_options(const context& cx, const section& s, std::vector<provider_param>& out) {
  const toml::node* node = s.find("options");
  if (node == nullptr) return S_OK;
  if (!node->is_table()) return wrong_type(cx, *node, s.key("options"), "a table");
  flatten_option(*node, "options", out);
  return S_OK;
}

}  // namespace drt::runtime::config
