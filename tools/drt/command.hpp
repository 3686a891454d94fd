// The drt tool's command groups. main.cpp wires them; each group lives in its own file
// (cmd_cert.cpp, cmd_key.cpp, cmd_demo.cpp, cmd_node.cpp) and adds its subcommands to the CLI11
// app.
#pragma once

#include <CLI/CLI.hpp>

#include <stdexcept>
#include <string>

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

void add_cert_commands(CLI::App& app);  // drt cert root | node
void add_key_commands(CLI::App& app);   // drt key derive | show
void add_demo_command(CLI::App& app);   // drt demo
void add_node_commands(CLI::App& app);  // drt node | register | search

}  // namespace drt::tool
