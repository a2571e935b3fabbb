// A small tree of plain values that the pump thread builds from an admin result and the
// JS thread turns into JS objects. Admin results differ in shape, so one generic
// container (instead of one struct and one converter per result type) keeps librdkafka's
// result objects on the pump thread, where they are destroyed right after being read.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "errors.h"

namespace octokafka {

class Data {
 public:
  enum class Kind { Null, Bool, Number, BigInt, String, Array, Object, Error };

  static Data Null() { return Data(Kind::Null); }
  static Data Bool(bool b);
  static Data Number(double n);
  static Data BigInt(int64_t n);
  // A null C string becomes JS null.
  static Data String(const char* s);
  static Data String(std::string s);
  static Data Array() { return Data(Kind::Array); }
  static Data Object() { return Data(Kind::Object); }
  // An error object { code, name, message, ... } (ErrorInfo::ToJs).
  static Data Error(ErrorInfo e);

  // Arrays: appends. Objects: adds a field. Both return *this for chaining.
  Data& Push(Data v);
  Data& Set(const char* key, Data v);

  Napi::Value ToJs(Napi::Env env) const;

 private:
  explicit Data(Kind kind) : kind_(kind) {}

  Kind kind_;
  bool bool_ = false;
  double number_ = 0;
  int64_t bigint_ = 0;
  std::string string_;
  std::vector<Data> items_;
  std::vector<std::pair<std::string, Data>> fields_;
  ErrorInfo error_;
};

}  // namespace octokafka
