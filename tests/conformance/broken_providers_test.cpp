// tests/conformance: the kit passes a correct provider and fails each deliberately broken one in
// the check its defect breaks, for the right reason (the failure message says what went wrong).
#include "kit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Under ASan the kit leaves leak detection to LeakSanitizer at the check process's exit.
#if defined(__SANITIZE_ADDRESS__)
constexpr const char* leak_reason = "failed at exit";
#else
constexpr const char* leak_reason = "stayed allocated";
#endif

using drt::conformance::outcome;
using drt::conformance::status;

struct kit_run {
  int exit_status = -1;
  std::vector<outcome> outcomes;
  std::string report;
  const outcome* find(const std::string& full_name) const {
    for (const outcome& o : outcomes) {
      if (o.suite + "." + o.name == full_name) return &o;
    }
    return nullptr;
  }
};

kit_run run_kit(const std::string& file, const std::string& filter = "*") {
  drt::conformance::options opts;
  opts.plugin_path = std::string(OPENDRT_CONFORMANCE_FIXTURE_DIR) + "/" + file;
  opts.filter = filter;
  opts.timeout = std::chrono::milliseconds(60000);
  kit_run r;
  std::ostringstream out;
  r.exit_status = drt::conformance::run(opts, out, &r.outcomes);
  r.report = out.str();
  return r;
}

TEST(ConformanceKit, PassesTheReferenceProvider) {
  const kit_run r = run_kit("reference.so");
  EXPECT_EQ(r.exit_status, 0) << r.report;
  for (const outcome& o : r.outcomes) EXPECT_NE(o.result, status::failed) << o.suite << "." << o.name << ": " << o.message;
  // The reference signs, so the authenticity checks ran rather than being skipped.
  const outcome* tampered = r.find("security/psk.tampered_proof_refused");
  ASSERT_NE(tampered, nullptr) << r.report;
  EXPECT_EQ(tampered->result, status::passed) << tampered->message;
  EXPECT_NE(r.report.find("[  PASSED  ]"), std::string::npos);
}

struct defect_row {
  const char* file;
  const char* failing_check;  // suite.name that must fail
  const char* reason;         // text the failure message must contain
};

class BrokenProvider : public ::testing::TestWithParam<defect_row> {};

TEST_P(BrokenProvider, FailsTheCheckItsDefectBreaks) {
  const defect_row& row = GetParam();
  const kit_run r = run_kit(row.file);
  EXPECT_EQ(r.exit_status, 1) << r.report;
  const outcome* o = r.find(row.failing_check);
  ASSERT_NE(o, nullptr) << row.failing_check << " did not run:\n" << r.report;
  EXPECT_EQ(o->result, status::failed) << row.failing_check << " did not fail:\n" << r.report;
  EXPECT_NE(o->message.find(row.reason), std::string::npos) << "message: " << o->message;
  EXPECT_NE(r.report.find("[  FAILED  ] " + std::string(row.failing_check)), std::string::npos) << r.report;
}

INSTANTIATE_TEST_SUITE_P(
    EachDefect, BrokenProvider,
    ::testing::Values(
        defect_row{"broken-abi-major.so", "plugin.abi_version", "built for plugin ABI 2."},
        defect_row{"broken-no-entry.so", "plugin.entry_point", "exports no DrtPluginDescriptor"},
        defect_row{"broken-exports-symbols.so", "plugin.exports_only_entry", "conformance_reference_helper"},
        defect_row{"broken-double-attach.so", "security/psk.double_attach_refused", "a second Attach gave 0x00000000"},
        defect_row{"broken-crashes-on-null.so", "security/psk.null_arguments_refused", "RegisterKey(NULL registration)"},
        defect_row{"broken-ignores-nonce.so", "security/psk.wrong_nonce_refused", "another nonce was accepted"},
        defect_row{"broken-accepts-tampered.so", "security/psk.tampered_proof_refused", "flipped was accepted"},
        defect_row{"broken-accepts-tampered.so", "security/psk.tampered_signature_refused", "one bit flipped"},
        defect_row{"broken-leaks.so", "security/psk.free_data_releases_everything", leak_reason}),
    [](const ::testing::TestParamInfo<defect_row>& info) {
      std::string name = std::string(info.param.file) + "_" + info.param.failing_check;
      std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
      return name;
    });

TEST(ConformanceKit, ExitsTwoForAMissingFile) {
  drt::conformance::options opts;
  opts.plugin_path = "/nonexistent/plugin.so";
  std::ostringstream out;
  EXPECT_EQ(drt::conformance::run(opts, out), 2);
  EXPECT_NE(out.str().find("no file at /nonexistent/plugin.so"), std::string::npos) << out.str();
}

TEST(ConformanceKit, FilterFollowsGoogleTestSyntax) {
  using drt::conformance::filter_matches;
  EXPECT_TRUE(filter_matches("*", "security/psk.wrong_nonce_refused"));
  EXPECT_TRUE(filter_matches("security/*", "security/psk.wrong_nonce_refused"));
  EXPECT_FALSE(filter_matches("plugin.*", "security/psk.wrong_nonce_refused"));
  EXPECT_FALSE(filter_matches("*-*.wrong_nonce_refused", "security/psk.wrong_nonce_refused"));
  EXPECT_TRUE(filter_matches("plugin.*:security/*.wrong_*", "security/psk.wrong_nonce_refused"));
  EXPECT_TRUE(filter_matches("-plugin.*", "security/psk.wrong_nonce_refused"));
}

TEST(ConformanceKit, WritesAJUnitReport) {
  drt::conformance::options opts;
  opts.plugin_path = std::string(OPENDRT_CONFORMANCE_FIXTURE_DIR) + "/broken-ignores-nonce.so";
  opts.filter = "security/*.wrong_nonce_refused:plugin.entry_point";
  opts.junit_path = ::testing::TempDir() + "/kit-junit.xml";
  std::ostringstream out;
  EXPECT_EQ(drt::conformance::run(opts, out), 1);
  std::ifstream in(opts.junit_path);
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"security/psk\" name=\"wrong_nonce_refused\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message="), std::string::npos) << xml;
}

}  // namespace
