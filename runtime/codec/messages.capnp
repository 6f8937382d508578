@0xb7c2a1e5f3d49a61;
# Placeholder schema; the real one follows.
struct Placeholder { x @0 :UInt8; }
