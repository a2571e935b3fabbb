#include "admin_data.h"

namespace octokafka {

Data Data::Bool(bool b) {
  Data d(Kind::Bool);
  d.bool_ = b;
  return d;
}

Data Data::Number(double n) {
  Data d(Kind::Number);
  d.number_ = n;
  return d;
}

Data Data::BigInt(int64_t n) {
  Data d(Kind::BigInt);
  d.bigint_ = n;
  return d;
}

Data Data::String(const char* s) { return s ? String(std::string(s)) : Null(); }

Data Data::String(std::string s) {
  Data d(Kind::String);
  d.string_ = std::move(s);
  return d;
}

Data Data::Error(ErrorInfo e) {
  Data d(Kind::Error);
  d.error_ = std::move(e);
  return d;
}

Data& Data::Push(Data v) {
  items_.push_back(std::move(v));
  return *this;
}

Data& Data::Set(const char* key, Data v) {
  fields_.emplace_back(key, std::move(v));
  return *this;
}

Napi::Value Data::ToJs(Napi::Env env) const {
  switch (kind_) {
    case Kind::Null:
      return env.Null();
    case Kind::Bool:
      return Napi::Boolean::New(env, bool_);
    case Kind::Number:
      return Napi::Number::New(env, number_);
    case Kind::BigInt:
      return Napi::BigInt::New(env, bigint_);
    case Kind::String:
      return Napi::String::New(env, string_);
    case Kind::Array: {
      Napi::Array arr = Napi::Array::New(env, items_.size());
      for (size_t i = 0; i < items_.size(); i++) arr.Set(static_cast<uint32_t>(i), items_[i].ToJs(env));
      return arr;
    }
    case Kind::Object: {
      Napi::Object obj = Napi::Object::New(env);
      for (const auto& [key, value] : fields_) obj.Set(key, value.ToJs(env));
      return obj;
    }
    case Kind::Error:
      return error_.ToJs(env);
  }
  return env.Undefined();
}

}  // namespace octokafka
