#include "fake_providers.hpp"

#include <gtest/gtest.h>

extern "C" int c_application_supplied_providers(HDRT_TRANSPORT transport);

TEST(ApplicationSuppliedProviders, WorkFromPlainC) {
  drt_test::fake_transport transport;
  HDRT_TRANSPORT h = nullptr;
  ASSERT_EQ(DrtCreateTransport(&transport.table, &h), S_OK);
  EXPECT_EQ(c_application_supplied_providers(h), 0);
  EXPECT_EQ(DrtDeleteTransport(h), S_OK);
}
