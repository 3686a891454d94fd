// The drt tool's command groups. main.cpp wires them; each group lives in its own file
// (cmd_cert.cpp, cmd_key.cpp, cmd_demo.cpp, cmd_node.cpp) and adds its subcommands to the CLI11
// app.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace drt::tool {

// Bad input from the user: main prints "drt: <what>" and exits with 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A command's outcome other than success when it has already said why (or needs no words):
// main exits with code() and prints nothing more.
class exit_status : public std::exception {
 public:
  explicit exit_status(int code) : code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] const char* what() const noexcept override { return "exit status"; }

 private:
  int code_;
};

// The bytes of a file the user named, for `what`: usage_error if it cannot be read, is empty, or
// holds more than max_bytes (read no further than that, so that /dev/zero or a FIFO cannot make
// the tool read without end). command.cpp.
[[nodiscard]] std::vector<std::uint8_t> read_user_file(const std::string& path, std::size_t max_bytes,
                                                      const std::string& what);

// Certificates and key files: a chain of up to 25 certificates stays far below this.
inline constexpr std::size_t certificate_file_bytes_max = std::size_t{1} << 20;

void add_cert_commands(CLI::App& app);  // drt cert root | node
void add_key_commands(CLI::App& app);   // drt key derive | show
void add_demo_command(CLI::App& app);   // drt demo
void add_node_commands(CLI::App& app);  // drt node | register | search

}  // namespace drt::tool
