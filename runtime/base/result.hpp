#pragma once
/// Errors as values: a `result<T>` holds either a T or an `error` with a message a person can act
/// on.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace bystack {

/// Describes what went wrong, in words that name the offending input.
struct error {
  std::string message;
};

/// Holds a value of type T or an error.
template <class T> class [[nodiscard]] result {
public:
  result(T value) : data_(std::move(value)) {}
  result(error err) : data_(std::move(err)) {}

  bool ok() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const {
    assert(!ok());
    return std::get<1>(data_);
  }

private:
  std::variant<T, error> data_;
};

/// Holds nothing or an error.
template <> class [[nodiscard]] result<void> {
public:
  result() = default;
  result(error err) : err_(std::move(err)), ok_(false) {}

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const error& err() const {
    assert(!ok_);
    return err_;
  }

private:
  error err_;
  bool ok_ = true;
};

/// Builds an error result from a message.
inline error make_error(std::string message) {
  return error{std::move(message)};
}

} // namespace bystack
