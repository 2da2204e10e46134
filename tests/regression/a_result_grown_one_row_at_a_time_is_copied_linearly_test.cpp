// Regression: PostgreSQL's stream was quadratic in its chunk size (1M rows in chunks of
// 3,000 took 20x raw libpq's time). Its decoder is handed one row per result and called
// records::reserve(size() + 1) for each, and reserve grew every column block to exactly
// that size, copying all the rows so far each time. reserve now grows geometrically.
//
// The test counts the bytes the process allocates (this binary replaces operator new),
// not time: building 20,000 rows one reserve at a time allocates a small multiple of
// the final result, where exact growth allocated ~N^2/2 cells (about 10 GB, copied).
#include <gtest/gtest.h>
#include <tether/tether.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/results/records_builder.hpp"

namespace {
std::atomic<std::size_t> allocated{0};
}

void* operator new(std::size_t n) {
  allocated += n;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace tether {
namespace {

TEST(AResultGrownOneRowAtATime, IsCopiedLinearlyAndKeepsEveryRow) {
  constexpr std::size_t rows = 20'000;
  records r(std::vector<std::string>{"id", "name", "score"});
  const std::size_t before = allocated;
  for (std::size_t i = 0; i < rows; ++i) {
    tether::detail::records_builder(r).reserve(r.size() + 1);  // what a decoder fed one row per result does
    tether::detail::records_builder(r).add_int(static_cast<std::int64_t>(i));
    tether::detail::records_builder(r).add_text("n");
    tether::detail::records_builder(r).add_double(0.5);
    tether::detail::records_builder(r).end_row();
  }
  const std::size_t grown = allocated - before;
  // One cell is 16 bytes; the result's cells alone are rows * 3 * 16 = 960 KB. Doubling
  // allocates under twice that (plus the arena's own doubling); exact growth, ~10 GB.
  const std::size_t cells = rows * 3 * 16;
  EXPECT_LT(grown, 6 * cells) << "growing " << rows << " rows one reserve at a time allocated " << grown << " bytes";
  ASSERT_EQ(r.size(), rows);
  EXPECT_EQ(r[0].get<std::int64_t>(std::size_t{0}), 0);
  EXPECT_EQ(r[rows - 1].get<std::int64_t>(std::size_t{0}), static_cast<std::int64_t>(rows - 1));
  EXPECT_EQ(r[rows / 2].get<std::string_view>(1), "n");
  EXPECT_EQ(r[rows - 1].get<double>(2), 0.5);
}

TEST(AResultGrownOneRowAtATime, AnExactReserveIsStillExact) {
  // A caller that knows its size (a buffered PostgreSQL result) reserves it once.
  records r(std::vector<std::string>{"id"});
  const std::size_t before = allocated;
  tether::detail::records_builder(r).reserve(50'000);
  for (std::int64_t i = 0; i < 50'000; ++i) {
    tether::detail::records_builder(r).add_int(i);
    tether::detail::records_builder(r).end_row();
  }
  EXPECT_LT(allocated - before, 50'000 * 16 + 4096) << "a reserve of the final size grew again";
}

}  // namespace
}  // namespace tether
