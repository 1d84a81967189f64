#include <gtest/gtest.h>

#include <atomic>

#include "jobs/jobs.hpp"
#include "store/testing.hpp"

using namespace riverlink;
using namespace std::chrono_literals;

namespace {
struct JobsTest : ::testing::Test {
  store::testdb::TestDb t;
  core::SystemClock clock;
  core::IdGenerator ids{clock, 3};
  audit::CommandRunner commands{t.db(), clock};
  std::unique_ptr<jobs::Runner> runner;
  void SetUp() override {
    auto m = audit::migrations();
    for (auto& x : jobs::migrations()) m.push_back(x);
    ASSERT_TRUE(store::migrate(t.db(), m).ok());
    runner = std::make_unique<jobs::Runner>(t.db(), commands, clock, ids);
  }
};
}  // namespace

TEST_F(JobsTest, RunsToCompletionWithProgressAndResult) {
  auto j = runner->submit({"user:a", "k1"}, "count", core::Json{{"n", 5}}, [](jobs::Context& c) -> Result<core::Json> {
    int n = c.params()["n"];
    for (int i = 1; i <= n; ++i) c.progress(100.0 * i / n, "step " + std::to_string(i));
    return core::Json{{"sum", n * (n + 1) / 2}};
  });
  ASSERT_TRUE(j.ok()) << j.error().message;
  std::vector<std::string> seen;
  auto done = runner->wait(j->id, 10s, [&](const jobs::Job& x) { seen.push_back(x.status); });
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "succeeded");
  EXPECT_DOUBLE_EQ(done->progress, 100);
  EXPECT_EQ((*done->result)["sum"], 15);
  EXPECT_EQ(done->message, "step 5");
}

TEST_F(JobsTest, FailureIsRecorded) {
  auto j = runner->submit({"user:a", "k2"}, "boom", core::Json::object(), [](jobs::Context&) -> Result<core::Json> {
    return Error::make(ErrorKind::invalid, "x", "input raster is all nodata");
  });
  ASSERT_TRUE(j.ok());
  auto done = runner->wait(j->id, 10s);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "failed");
  EXPECT_EQ(*done->error, "input raster is all nodata");
}

TEST_F(JobsTest, CancellationStopsCooperativeWork) {
  std::atomic<bool> started{false};
  auto j = runner->submit({"user:a", "k3"}, "slow", core::Json::object(), [&](jobs::Context& c) -> Result<core::Json> {
    started = true;
    for (int i = 0; i < 1000; ++i) {
      if (c.cancelled()) return Error::make(ErrorKind::conflict, "cancelled", "stopped");
      std::this_thread::sleep_for(10ms);
    }
    return core::Json();
  });
  ASSERT_TRUE(j.ok());
  while (!started) std::this_thread::sleep_for(5ms);
  auto c = runner->cancel({"user:a", "k4"}, j->id);
  ASSERT_TRUE(c.ok());
  auto done = runner->wait(j->id, 10s);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "cancelled");
  auto again = runner->cancel({"user:a", "k5"}, j->id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "jobs.already_finished");
}

TEST_F(JobsTest, SubmitIsIdempotentAndListedNewestFirst) {
  std::atomic<int> runs{0};
  auto work = [&](jobs::Context&) -> Result<core::Json> { ++runs; return core::Json(); };
  auto a = runner->submit({"user:a", "same"}, "w", core::Json::object(), work);
  auto b = runner->submit({"user:a", "same"}, "w", core::Json::object(), work);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, b->id);
  auto c = runner->submit({"user:b", "other"}, "w", core::Json::object(), work);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(runner->wait(a->id, 10s).ok());
  ASSERT_TRUE(runner->wait(c->id, 10s).ok());
  EXPECT_EQ(runs.load(), 2);
  std::optional<std::string> next;
  auto mine = runner->list("user:a", std::nullopt, 10, next);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  auto all = runner->list("", std::nullopt, 1, next);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->front().id, c->id);
  EXPECT_TRUE(next.has_value());
}

TEST_F(JobsTest, InterruptedJobsAreMarkedFailedOnRecovery) {
  {
    auto tx = t.db().begin(store::TxKind::write);
    tx->exec("INSERT INTO jobs (id, kind, owner, status, progress, message, params, created_at, updated_at) "
             "VALUES ('j-old', 'x', 'user:a', 'running', 40, '', '{}', 'now', 'now')");
    tx->commit();
  }
  ASSERT_TRUE(runner->recover_interrupted().ok());
  auto j = runner->get("j-old");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->status, "failed");
  EXPECT_NE(j->error->find("interrupted"), std::string::npos);
}
