// bench_vouchers: drives the vouchers API of a running server (riverlink serve, demo seed).
//   e2e PORT CONTRACTS THREADS   demand → quote → award → sign → deliver → accept → review,
//                                then one settlement run; prints contracts/s
//   prepare PORT N OUT_DIR       N contracts up to "accepted"; writes ids.txt and token.txt
//                                (an officer_js bearer token) for wrk on the review endpoint
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "http/test_client.hpp"

using riverlink::http::testing::Client;
using riverlink::core::Json;

namespace {
unsigned short port = 0;
Client login(const char* user) {
  Client c(port);
  auto r = c.login(user, "riverlink2026");
  if (r.status != 200) { std::fprintf(stderr, "login %s: %d %s\n", user, r.status, r.body.c_str()); std::exit(1); }
  return c;
}
Client clone(const Client& c) {
  Client o(port);
  o.cookies = c.cookies;
  o.csrf = c.csrf;
  return o;
}
bool step(Client& c, const std::string& path, const Json& body, Json* out, int want) {
  auto r = c.post(path, body);
  if (r.status != want) { std::fprintf(stderr, "%s: %d %s\n", path.c_str(), r.status, r.body.c_str()); return false; }
  if (out) *out = r.json();
  return true;
}
// One contract to "accepted"; returns its id ("" on failure).
std::string to_accepted(Client& e, Client& p, int n) {
  const std::string b = "/api/v1/vouchers";
  Json d, q, c;
  if (!step(e, b + "/demands", {{"title", "bench " + std::to_string(n)}, {"category", "testing"}, {"budget_fen", 10'000}}, &d, 201)) return "";
  if (!step(p, b + "/demands/" + d["id"].get<std::string>() + "/quotes", {{"amount_fen", 10'000}}, &q, 201)) return "";
  if (!step(e, b + "/quotes/" + q["id"].get<std::string>() + "/award", Json::object(), &c, 201)) return "";
  std::string id = c["id"];
  if (!step(e, b + "/contracts/" + id + "/sign", Json::object(), nullptr, 200)) return "";
  if (!step(p, b + "/contracts/" + id + "/deliver", {{"evidence", Json::array({{{"filename", "r.txt"}, {"content_base64", "YmVuY2g="}}})}}, nullptr, 200)) return "";
  if (!step(e, b + "/contracts/" + id + "/accept", {{"invoice_no", "BENCH-" + id}}, nullptr, 200)) return "";
  return id;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) { std::fprintf(stderr, "usage: bench_vouchers e2e PORT CONTRACTS THREADS | prepare PORT N OUT_DIR\n"); return 2; }
  std::string mode = argv[1];
  port = static_cast<unsigned short>(std::stoi(argv[2]));
  int n = std::stoi(argv[3]);
  Client e0 = login("enterprise"), p0 = login("provider"), o0 = login("officer_js");
  if (mode == "e2e") {
    int threads = std::stoi(argv[4]);
    std::atomic<int> next{0}, done{0};
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&] {
        Client e = clone(e0), p = clone(p0), o = clone(o0);
        for (int i; (i = next++) < n;) {
          std::string id = to_accepted(e, p, i);
          if (id.empty()) continue;
          if (step(o, "/api/v1/vouchers/contracts/" + id + "/review", {{"decision", "approve"}}, nullptr, 200)) ++done;
        }
      });
    }
    for (auto& t : ts) t.join();
    auto t1 = std::chrono::steady_clock::now();
    // Settle this month's approved obligations for both funders of the demo Jiangsu policy.
    Client o = clone(o0);
    char period[8];
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::hours(8));
    std::strftime(period, sizeof period, "%Y-%m", std::gmtime(&now));
    Json b1, b2;
    bool s1 = step(o, "/api/v1/vouchers/settlements", {{"issuer_code", "JS"}, {"period", period}}, &b1, 201);
    bool s2 = step(o, "/api/v1/vouchers/settlements", {{"issuer_code", "JS-SZ"}, {"period", period}}, &b2, 201);
    auto t2 = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(t2 - t0).count();
    std::printf("e2e: %d contracts (sign, deliver, accept, review) + settlement in %.2f s = %.1f contracts/s "
                "(%d client threads; workflow %.2f s, settlement %.3f s, %s + %s obligations paid)\n",
                done.load(), secs, done.load() / secs, threads, std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count(), s1 ? std::to_string(b1["obligations"].get<int>()).c_str() : "0",
                s2 ? std::to_string(b2["obligations"].get<int>()).c_str() : "0");
    return done.load() == n ? 0 : 1;
  }
  std::string dir = argv[4];
  std::vector<std::string> ids(static_cast<size_t>(n));
  std::atomic<int> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      Client e = clone(e0), p = clone(p0);
      for (int i; (i = next++) < n;) ids[static_cast<size_t>(i)] = to_accepted(e, p, 100000 + i);
    });
  }
  for (auto& t : ts) t.join();
  std::ofstream f(dir + "/ids.txt");
  for (auto& id : ids) if (!id.empty()) f << id << "\n";
  auto tok = o0.post("/api/v1/auth/tokens", {{"name", "bench-vouchers"}});
  std::ofstream(dir + "/token.txt") << tok.json()["token"].get<std::string>();
  return 0;
}
