// drt: the OpenDRT command-line tool. Exit status: 0 success, 1 failure, 2 bad input (one
// "drt: ..." line on stderr).
#include "command.hpp"

#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"OpenDRT command-line tool: a demo cloud on this machine, long-lived nodes from a "
               "configuration file (docs/configuration.md), searches, certificates and keys for the "
               "derived-key security provider (docs/security.md). Keys are written as 64 hex digits "
               "(most significant first), @FILE or sha256:TEXT. Exit status: 0 success, 1 failure or "
               "not found, 2 bad input",
               "drt"};
  app.require_subcommand(1);
  drt::tool::add_cert_commands(app);
  drt::tool::add_key_commands(app);
  drt::tool::add_demo_command(app);
  drt::tool::add_node_commands(app);

  // CLI11 answers --help before it notices an unknown command, so check the command first:
  // `drt <unknown> --help` must fail (./dev demo asks `drt demo --help` whether demo exists).
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      known = known || sub->get_name() == argv[1];
    }
    if (!known) {
      std::cerr << "drt: unknown command '" << argv[1] << "' (see drt --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::ParseError& e) {
    std::cerr << "drt: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const drt::tool::exit_status& e) {
    return e.code();
  } catch (const drt::tool::usage_error& e) {
    std::cerr << "drt: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "drt: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
