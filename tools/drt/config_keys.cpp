// `[[keys]]` of a node file for drt node (config_keys.hpp).
#include "config_keys.hpp"

#include "command.hpp"
#include "key_text.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string_view>

namespace drt::tool {
namespace {

// Relative paths in the file are relative to the file's directory, as for the library's keys.
std::string resolve(const std::filesystem::path& base, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? path : (base / p).lexically_normal().string();
}

std::string where(const std::string& config_path, const toml::node& node) {
  return config_path + ":" + std::to_string(node.source().begin.line) + ": ";
}

}  // namespace

std::vector<std::uint8_t> read_data_file(const std::string& path, const std::string& what) {
  // At most 1 to DRT_MAX_PAYLOAD_SIZE bytes are application data (api.md §5.2.1).
  return read_user_file(path, DRT_MAX_PAYLOAD_SIZE, what + ": ");
}

std::vector<key_to_publish> read_config_keys(const std::string& config_path) {
  toml::table root;
  try {
    root = toml::parse_file(config_path);
  } catch (const toml::parse_error&) {
    return {};  // DrtOpenFromConfigFile reports it
  }
  const toml::array* list = root["keys"].as_array();
  if (list == nullptr) return {};  // absent, or wrongly typed: the library reports the latter
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::absolute(config_path, ec).lexically_normal().parent_path();
  constexpr std::array<std::string_view, 3> fields{"key", "data", "data_file"};

  std::vector<key_to_publish> keys;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table* entry = list->get(i)->as_table();
    if (entry == nullptr) return {};  // the library reports it
    const std::string name = "keys[" + std::to_string(i) + "]";
    for (const auto& [field, value] : *entry) {
      if (std::find(fields.begin(), fields.end(), field.str()) == fields.end()) {
        throw usage_error(where(config_path, value) + name + "." + std::string(field.str()) +
                          ": unknown key (keys take key, and data or data_file)");
      }
    }
    const toml::node* key_node = entry->get("key");
    if (key_node == nullptr) throw usage_error(where(config_path, *entry) + name + ".key: required key is missing");
    const auto* key_text = key_node->as_string();
    if (key_text == nullptr) throw usage_error(where(config_path, *key_node) + name + ".key: expected a string");
    std::string text = key_text->get();
    if (text.starts_with('@')) text = "@" + resolve(base, text.substr(1));

    key_to_publish k;
    k.key = parse_key(text, where(config_path, *key_node) + name + ".key");
    k.origin = config_path + " " + name;
    const toml::node* data = entry->get("data");
    const toml::node* data_file = entry->get("data_file");
    if ((data == nullptr) == (data_file == nullptr)) {
      throw usage_error(where(config_path, *entry) + name + ": give exactly one of data (text) and data_file (a path)");
    }
    if (data != nullptr) {
      const auto* s = data->as_string();
      if (s == nullptr) throw usage_error(where(config_path, *data) + name + ".data: expected a string");
      const std::string& bytes = s->get();
      if (bytes.empty() || bytes.size() > DRT_MAX_PAYLOAD_SIZE) {
        throw usage_error(where(config_path, *data) + name + ".data: " + std::to_string(bytes.size()) +
                          " bytes; 1 to " + std::to_string(DRT_MAX_PAYLOAD_SIZE) + " are allowed");
      }
      k.data.assign(bytes.begin(), bytes.end());
      k.data_origin = std::to_string(k.data.size()) + " bytes inline";
    } else {
      const auto* s = data_file->as_string();
      if (s == nullptr) throw usage_error(where(config_path, *data_file) + name + ".data_file: expected a string");
      const std::string path = resolve(base, s->get());
      k.data = read_data_file(path, where(config_path, *data_file) + name + ".data_file");
      k.data_origin = std::to_string(k.data.size()) + " bytes from " + path;
    }
    keys.push_back(std::move(k));
  }
  return keys;
}

}  // namespace drt::tool
