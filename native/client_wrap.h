// What the four native client classes (Producer, Consumer, Admin, MockCluster) share: the
// context their threads use, the steps of their constructors, the methods that only pass a
// call on to the pump or the handle (ref, name, the OAUTHBEARER token), and the class
// definition, which puts every JS-called method behind the exception barrier.
//
//   class Producer : public ClientWrap<Producer, ProducerContext> { ... };
//
// T names itself to JS with T::kClassName (e.g. "NativeProducer") and its threads with
// T::kThreadName; T::kUsage is the constructor's signature, for its TypeError.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include <memory>
#include <vector>

#include "client.h"
#include "config.h"
#include "js_barrier.h"

namespace octokafka {

template <typename T, typename Context = ClientContext>
class ClientWrap : public Napi::ObjectWrap<T> {
 public:
  explicit ClientWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info) {}
  // The pump (and with it the handle) is stopped by close() or environment teardown; this
  // joins what is left (see ReleaseContext). T's own members are gone by now: the client's
  // threads use only the context.
  ~ClientWrap() override { ReleaseContext(ctxOwned_); }

 protected:
  using Methods = std::vector<Napi::ClassPropertyDescriptor<T>>;

  // A JS-called method of T (or of this base), behind the exception barrier.
  template <auto method>
  static Napi::ClassPropertyDescriptor<T> JsMethod(const char* name) {
    Napi::Value (T::*barriered)(const Napi::CallbackInfo&) = &ClientWrap::Barriered<method>;
    // The name comes back as the callback's data, for the barrier's messages.
    return Napi::ObjectWrap<T>::InstanceMethod(name, barriered, napi_default, const_cast<char*>(name));
  }

  // The JS class: T's `own` methods, then what every client has (ref) and, with
  // `brokerClient`, what a client that talks to brokers has (name, OAUTHBEARER token).
  static Napi::Function DefineClient(Napi::Env env, Methods own, bool brokerClient) {
    own.push_back(JsMethod<&ClientWrap::SetRef>("ref"));
    if (brokerClient) {
      own.push_back(JsMethod<&ClientWrap::SetToken>("setOAuthBearerToken"));
      own.push_back(JsMethod<&ClientWrap::SetTokenFailure>("setOAuthBearerTokenFailure"));
      own.push_back(JsMethod<&ClientWrap::Name>("name"));
    }
    return Napi::ObjectWrap<T>::DefineClass(env, T::kClassName, own);
  }

  // The constructor's body, behind the exception barrier and ConstructGuarded.
  template <typename Body>
  static void Construct(const Napi::CallbackInfo& info, Body&& body) {
    ConstructGuarded(info.Env(), [&] { JsBarrier(info.Env(), T::kClassName, body); });
  }

  // The constructor's first step, `new T(first, onBatch, ...)`: checks that onBatch is a
  // function and that `firstOk` (what T expects first), then creates the pump (its threads
  // start once the client is set up: Pump::Start).
  void CreatePump(const Napi::CallbackInfo& info, bool firstOk) {
    Napi::Env env = info.Env();
    RequireArg(env, info.Length() >= 2 && firstOk && info[1].IsFunction(), T::kUsage);
    ctx_.owner = static_cast<T*>(this);
    ctx_.pump = std::make_unique<Pump>(env, info[1].As<Napi::Function>(), T::kThreadName);
  }

  // librdkafka's configuration from `new T(config, onBatch, { oauthbearer? })`, with the
  // callbacks every client installs. The caller adds its own, then calls OpenHandle.
  rd_kafka_conf_t* NewConf(const Napi::CallbackInfo& info) {
    rd_kafka_conf_t* conf = ConfFromJs(info.Env(), info[0].As<Napi::Object>());
    InstallCommonCallbacks(conf, &ctx_);
    if (WantsOAuthBearer(info)) InstallOAuthBearer(conf);
    return conf;
  }

  // Creates the handle from `conf` (consumed either way; throws on failure).
  void OpenHandle(const Napi::CallbackInfo& info, rd_kafka_type_t type, rd_kafka_conf_t* conf) {
    ctx_.rk = CreateHandle(info.Env(), type, conf);
    if (WantsOAuthBearer(info)) ServeTokenRefreshInBackground(ctx_.rk);
  }

  // The pump's serve for a client whose only queue is librdkafka's main queue (logs, errors,
  // statistics, the admin client's background events).
  static Pump::ServeFn PollMainQueue(rd_kafka_t* rk) {
    return [rk](size_t, bool) {
      rd_kafka_poll(rk, 0);
      return false;
    };
  }

  // On the heap: an orphaned teardown outliving this object keeps using it (see ReleaseContext).
  std::unique_ptr<Context> ctxOwned_{new Context};
  Context& ctx_{*ctxOwned_};

 private:
  template <auto method>
  Napi::Value Barriered(const Napi::CallbackInfo& info) {
    return JsBarrier(info.Env(), static_cast<const char*>(info.Data()),
                     [&] { return (static_cast<T*>(this)->*method)(info); });
  }

  // ref(on = true): whether the client keeps the event loop alive.
  Napi::Value SetRef(const Napi::CallbackInfo& info) {
    ctx_.pump->Ref(info.Length() == 0 || info[0].ToBoolean());
    return info.Env().Undefined();
  }

  Napi::Value SetToken(const Napi::CallbackInfo& info) {
    if (ctx_.pump->stopping()) return info.Env().Undefined();
    return SetOAuthBearerToken(info, ctx_.rk);
  }

  Napi::Value SetTokenFailure(const Napi::CallbackInfo& info) {
    if (ctx_.pump->stopping()) return info.Env().Undefined();
    return SetOAuthBearerTokenFailure(info, ctx_.rk);
  }

  Napi::Value Name(const Napi::CallbackInfo& info) {
    if (ctx_.pump->stopping()) return info.Env().Undefined();
    return Napi::String::New(info.Env(), rd_kafka_name(ctx_.rk));
  }
};

}  // namespace octokafka
