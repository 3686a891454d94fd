// The drt tool's command groups. main.cpp wires them; each group lives in its own file
// (cmd_cert.cpp, cmd_key.cpp; demo, node, search and register come with issue #10) and adds
// its subcommands to the CLI11 app.
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

void add_cert_commands(CLI::App& app);  // drt cert root | node
void add_key_commands(CLI::App& app);   // drt key derive

}  // namespace drt::tool
