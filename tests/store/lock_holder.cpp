// Opens a RocksDB store, prints "ready" and keeps it open until standard input closes.
#include "runtime/store/kv_store.hpp"

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DIR\n";
    return 2;
  }
  auto store = bystack::store::open_rocksdb(argv[1], {"blocks"});
  if (!store) {
    std::cerr << store.err().message << "\n";
    return 1;
  }
  std::cout << "ready" << std::endl;
  while (std::getchar() != EOF) {
  }
  return 0;
}
