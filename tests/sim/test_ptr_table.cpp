#include "sim/ptr_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

namespace bystack::sim {
namespace {

struct obj {
  int id = 0;
};

TEST(PtrTable, EmplaceKeepsTheFirstValueAndFindsIt) {
  std::vector<obj> objs(3);
  ptr_table<obj, int> t;
  EXPECT_EQ(t.find(&objs[0]), nullptr);
  auto [v, fresh] = t.emplace(&objs[0], 7);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*v, 7);
  auto [w, again] = t.emplace(&objs[0], 8);
  EXPECT_FALSE(again);
  EXPECT_EQ(w, v);
  EXPECT_EQ(*t.find(&objs[0]), 7);
  EXPECT_EQ(t.find(&objs[1]), nullptr);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(nullptr), nullptr);
}

TEST(PtrTable, EraseLeavesOtherEntriesWhereTheyAreAndReusesTheSlot) {
  std::vector<obj> objs(100);
  ptr_table<obj, int> t;
  for (int i = 0; i < 50; ++i)
    t.emplace(&objs[i], i);
  auto rebuilds = t.rebuilds();
  std::vector<int*> where;
  for (int i = 0; i < 50; ++i)
    where.push_back(t.find(&objs[i]));
  for (int i = 0; i < 50; i += 2)
    EXPECT_TRUE(t.erase(&objs[i]));
  EXPECT_FALSE(t.erase(&objs[0]));
  EXPECT_EQ(t.size(), 25u);
  for (int i = 1; i < 50; i += 2) {
    EXPECT_EQ(t.find(&objs[i]), where[i]) << i; // erasing moved nothing
    EXPECT_EQ(*where[i], i);
  }
  for (int i = 0; i < 50; i += 2)
    EXPECT_EQ(t.find(&objs[i]), nullptr);
  EXPECT_EQ(t.rebuilds(), rebuilds);
  // A key found past a tombstone is not inserted twice.
  for (int i = 1; i < 50; i += 2)
    EXPECT_FALSE(t.emplace(&objs[i], -1).second);
  EXPECT_EQ(t.size(), 25u);
}

TEST(PtrTable, EraseByValueErasesThatEntryOnly) {
  std::vector<obj> objs(10);
  ptr_table<obj, std::shared_ptr<int>> t;
  auto held = std::make_shared<int>(3);
  for (int i = 0; i < 10; ++i)
    t.emplace(&objs[static_cast<std::size_t>(i)], i == 3 ? held : std::make_shared<int>(i));
  const auto* v = t.find(&objs[3]);
  ASSERT_NE(v, nullptr);
  t.erase(v);
  EXPECT_EQ(t.find(&objs[3]), nullptr);
  EXPECT_EQ(held.use_count(), 1); // the table's reference went with the entry
  EXPECT_EQ(t.size(), 9u);
  for (int i = 0; i < 10; ++i)
    if (i != 3) {
      ASSERT_NE(t.find(&objs[static_cast<std::size_t>(i)]), nullptr) << i;
      EXPECT_EQ(**t.find(&objs[static_cast<std::size_t>(i)]), i);
    }
}

TEST(PtrTable, RebuildsKeepEveryEntryAndAreCounted) {
  std::vector<obj> objs(10000);
  ptr_table<obj, std::shared_ptr<int>> t;
  for (int i = 0; i < 10000; ++i)
    t.emplace(&objs[i], std::make_shared<int>(i));
  EXPECT_GT(t.rebuilds(), 0u);
  EXPECT_GE(t.capacity(), 2u * t.size());
  for (int i = 0; i < 10000; ++i) {
    auto* v = t.find(&objs[i]);
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(**v, i);
    EXPECT_EQ(v->use_count(), 1);
  }
}

TEST(PtrTable, EraseIfVisitsEveryEntryOnceAndDropsTheValues) {
  std::vector<obj> objs(1000);
  ptr_table<obj, std::shared_ptr<int>> t;
  std::vector<std::shared_ptr<int>> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(std::make_shared<int>(i));
    t.emplace(&objs[i], held.back());
  }
  int visits = 0, prefetches = 0;
  t.erase_if(
      [&](const obj* k, const std::shared_ptr<int>& v) {
        ++visits;
        EXPECT_EQ(k, &objs[static_cast<std::size_t>(*v)]);
        return *v % 3 == 0;
      },
      [&](const std::shared_ptr<int>&) { ++prefetches; });
  EXPECT_EQ(visits, 1000);
  EXPECT_EQ(prefetches, 1000); // each entry once, ahead of its visit
  EXPECT_EQ(t.size(), 1000u - 334u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(held[static_cast<std::size_t>(i)].use_count(), i % 3 == 0 ? 1 : 2) << i;
    EXPECT_EQ(t.find(&objs[static_cast<std::size_t>(i)]) != nullptr, i % 3 != 0) << i;
  }
}

TEST(PtrTable, ClearAndSwap) {
  std::vector<obj> objs(10);
  ptr_table<obj, std::shared_ptr<int>> a, b;
  auto v = std::make_shared<int>(1);
  a.emplace(&objs[0], v);
  b.emplace(&objs[1], v);
  a.swap(b);
  EXPECT_NE(a.find(&objs[1]), nullptr);
  EXPECT_EQ(a.find(&objs[0]), nullptr);
  EXPECT_NE(b.find(&objs[0]), nullptr);
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.find(&objs[0]), nullptr);
  EXPECT_EQ(v.use_count(), 2);
  b.emplace(&objs[0], v);
  EXPECT_NE(b.find(&objs[0]), nullptr);
}

// Random insertions, erasures and sweeps against std::unordered_map, with keys packed closely
// (neighbouring addresses collide in the upper bits the hash uses least).
TEST(PtrTable, AgreesWithAnUnorderedMapUnderRandomOperations) {
  std::vector<obj> objs(5000);
  ptr_table<obj, int> t;
  std::unordered_map<const obj*, int> ref;
  std::mt19937_64 rng(42);
  for (int step = 0; step < 200000; ++step) {
    auto* k = &objs[rng() % objs.size()];
    switch (rng() % 10) {
    case 0:
    case 1:
      EXPECT_EQ(t.erase(k), ref.erase(k) == 1);
      break;
    case 2:
      if (step % 1000 == 0) {
        auto cut = static_cast<int>(rng() % 100);
        t.erase_if([&](const obj*, int v) { return v % 100 < cut; }, [](int) {});
        std::erase_if(ref, [&](const auto& e) { return e.second % 100 < cut; });
      }
      break;
    default: {
      auto v = static_cast<int>(rng() % 1000000);
      auto [at, fresh] = t.emplace(k, v);
      auto [rat, rfresh] = ref.emplace(k, v);
      ASSERT_EQ(fresh, rfresh);
      ASSERT_EQ(*at, rat->second);
    }
    }
    ASSERT_EQ(t.size(), ref.size());
  }
  for (auto& o : objs) {
    auto* v = t.find(&o);
    auto it = ref.find(&o);
    ASSERT_EQ(v != nullptr, it != ref.end());
    if (v) {
      EXPECT_EQ(*v, it->second);
    }
  }
}

} // namespace
} // namespace bystack::sim
