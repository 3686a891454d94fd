// command.hpp: helpers shared by the command groups.
#include "command.hpp"

#include <fstream>

namespace drt::tool {

std::vector<std::uint8_t> read_user_file(const std::string& path, std::size_t max_bytes, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(what + "cannot read " + path);
  std::vector<std::uint8_t> bytes(max_bytes + 1);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.empty()) throw usage_error(what + path + " is empty");
  if (bytes.size() > max_bytes) {
    throw usage_error(what + path + " holds more than " + std::to_string(max_bytes) + " bytes");
  }
  return bytes;
}

}  // namespace drt::tool
