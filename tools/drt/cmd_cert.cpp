// drt cert root | node: a root CA and node certificates for the derived-key provider
// (docs/security.md "Making certificates"). Node keys default to EC P-256 (profile O2).
#include "certgen.hpp"
#include "command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

namespace drt::tool {
namespace {

namespace fs = std::filesystem;

struct cert_options {
  std::string out;
  std::string root;
  std::string type = "ec";
  int bits = 2048;
  int days = 0;
  std::string name;
  bool force = false;
};

certgen::key_spec key_of(const cert_options& o) {
  return {o.type == "rsa" ? certgen::key_type::rsa : certgen::key_type::ec, o.bits};
}

void refuse_overwrite(const fs::path& dir, const std::string& base, bool force) {
  for (const char* ext : {".pem", ".key"}) {
    const fs::path p = dir / (base + ext);
    if (!force && fs::exists(p)) throw usage_error(p.string() + " exists (use --force to replace it)");
  }
}

void add_common(CLI::App* cmd, cert_options& o, int default_days) {
  o.days = default_days;
  cmd->add_option("--type", o.type, "Key type: ec (P-256, profile O2) or rsa (profile O1)")
      ->check(CLI::IsMember({"ec", "rsa"}))
      ->capture_default_str();
  cmd->add_option("--bits", o.bits, "RSA modulus size, 2048..4096 (only with --type rsa)")
      ->check(CLI::Range(2048, 4096))
      ->capture_default_str();
  cmd->add_option("--days", o.days, "Validity in days from now, 1..36500")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  cmd->add_flag("--force", o.force, "Replace existing files");
}

void run_root(const cert_options& o, bool bits_given) {
  if (bits_given && o.type != "rsa") throw usage_error("--bits applies only to --type rsa");
  const fs::path out(o.out);
  refuse_overwrite(out, "root", o.force);
  certgen::cert_spec spec;
  spec.common_name = o.name.empty() ? "OpenDRT root" : o.name;
  spec.is_ca = true;
  spec.not_before = certgen::now_unix() - 3600;
  spec.not_after = certgen::now_unix() + static_cast<std::int64_t>(o.days) * 86400;
  const certgen::identity root = certgen::issue(spec, certgen::generate_key(key_of(o)), nullptr);
  certgen::write_identity(root, out, "root");
  std::cerr << "wrote " << (out / "root.pem").string() << " and " << (out / "root.key").string()
            << " (keep root.key secret)\n";
}

void run_node(const cert_options& o, bool bits_given) {
  if (bits_given && o.type != "rsa") throw usage_error("--bits applies only to --type rsa");
  const fs::path root_dir(o.root);
  if (!fs::exists(root_dir / "root.pem") || !fs::exists(root_dir / "root.key")) {
    throw usage_error("--root " + o.root + " holds no root.pem and root.key (make them with drt cert root)");
  }
  const fs::path out(o.out);
  refuse_overwrite(out, "node", o.force);
  certgen::identity root;
  try {
    root = certgen::read_identity(root_dir, "root");
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  certgen::cert_spec spec;
  spec.common_name = o.name.empty() ? "OpenDRT node" : o.name;
  spec.not_before = certgen::now_unix() - 3600;
  spec.not_after = certgen::now_unix() + static_cast<std::int64_t>(o.days) * 86400;
  const certgen::identity node = certgen::issue(spec, certgen::generate_key(key_of(o)), &root);
  certgen::write_identity(node, out, "node");
  std::cerr << "wrote " << (out / "node.pem").string() << " and " << (out / "node.key").string()
            << "; derived key (most significant byte first):\n";
  const auto key = certgen::derived_key_wire(node.cert.get());
  std::cout << certgen::to_hex(key.data(), key.size()) << "\n";
}

}  // namespace

void add_cert_commands(CLI::App& app) {
  CLI::App* cert = app.add_subcommand("cert", "Create certificates for the derived-key security provider");
  cert->require_subcommand(1);

  auto root_opts = std::make_shared<cert_options>();
  CLI::App* root = cert->add_subcommand(
      "root", "Create a root CA: DIR/root.pem (the trust anchor, root_cert) and DIR/root.key");
  root->add_option("--out", root_opts->out, "Directory to write root.pem and root.key to")->required();
  root->add_option("--name", root_opts->name, "Common name (default \"OpenDRT root\")");
  add_common(root, *root_opts, 3650);
  root->callback([root_opts, root] { run_root(*root_opts, root->count("--bits") > 0); });

  auto node_opts = std::make_shared<cert_options>();
  CLI::App* node = cert->add_subcommand(
      "node", "Create a node certificate signed by a root: DIR/node.pem (local_cert) and DIR/node.key "
              "(local_key); prints the node's derived key as 64 hex digits");
  node->add_option("--root", node_opts->root, "Directory holding root.pem and root.key")->required();
  node->add_option("--out", node_opts->out, "Directory to write node.pem and node.key to")->required();
  node->add_option("--name", node_opts->name, "Common name (default \"OpenDRT node\")");
  add_common(node, *node_opts, 365);
  node->callback([node_opts, node] { run_node(*node_opts, node->count("--bits") > 0); });
}

}  // namespace drt::tool
