// Test support shared by the land module's tests: the demo principals, a square parcel, and a
// land Service on a fresh test database (SQLite, or a PostgreSQL schema) with a ManualClock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "land/service.hpp"
#include "store/testing.hpp"

namespace riverlink::land::test_support {

inline int64_t ms(const char* iso) { return core::to_unix_ms(*core::parse_utc(iso)); }

inline auth::Principal principal(std::string user_id, auth::Role role, std::string division) {
  auth::Principal p;
  p.user_id = std::move(user_id);
  p.role = role;
  p.division_code = std::move(division);
  return p;
}
inline auth::Principal officer() { return principal("officer-1", auth::Role::officer, "320282"); }
inline auth::Principal agent() { return principal("agent-1", auth::Role::collective_agent, "320282"); }
inline auth::Principal bidder(const std::string& id) { return principal(id, auth::Role::bidder, "320200"); }

// A closed square ring of side d degrees with its south-west corner at (lon, lat).
inline core::Json square(double lon, double lat, double d) {
  return core::Json{{"type", "Polygon"},
                    {"coordinates", {{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}};
}

// A land Service with its command runner and ledger, the clock at 2026-09-01T00:00Z.
struct ServiceFixture : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::from_unix_ms(ms("2026-09-01T00:00:00Z"))};
  std::unique_ptr<audit::CommandRunner> runner;
  std::unique_ptr<ledger::Service> ledger;
  std::unique_ptr<Service> svc;
  int keys = 0;

  void SetUp() override {
    auto m = store::migrate(t.db(), all_migrations());
    ASSERT_TRUE(m.ok()) << m.error().message;
    runner = std::make_unique<audit::CommandRunner>(t.db(), clock);
    ledger = std::make_unique<ledger::Service>(t.db(), clock);
    svc = std::make_unique<Service>(t.db(), *runner, *ledger, clock, WorkCalendar::bundled());
  }
  // A fresh idempotency key per command.
  audit::CommandContext ctx(const auth::Principal& p = officer()) { return {p.actor(), "k" + std::to_string(++keys)}; }
  void at(const char* iso) { clock.set(*core::parse_utc(iso)); }
};

}  // namespace riverlink::land::test_support
