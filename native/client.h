// What every librdkafka client handle shares: the callbacks that turn librdkafka's logs,
// errors and statistics into typed events for JS. All of them run on the pump thread:
// logs go through librdkafka's main queue (log.queue=true), which the pump serves.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "pump.h"

namespace octokafka {

// What a client's threads use. On the heap, apart from the JS object: a teardown that
// outlives its close deadline (see Pump::Orphan) goes on using it after the JS object may
// be gone, so the threads never touch the owner itself, only this.
struct ClientContext {
  virtual ~ClientContext() = default;
  void* owner = nullptr;  // the Producer / Consumer / Admin / MockCluster (JS thread only)
  rd_kafka_t* rk = nullptr;
  std::unique_ptr<Pump> pump;
  // Consumers: rebalances are incremental (cooperative or KIP-848).
  bool incrementalRebalance = false;
};

// The owner's destructor: joins the client's threads while everything they use is alive
// (before the pump pointer is reset), then frees the context, or leaves it to a teardown
// that still runs on a detached thread (the environment went away mid-close).
// A destructor is an entry point from the garbage collector: nothing may escape it.
template <typename Context>
void ReleaseContext(std::unique_ptr<Context>& ctx) noexcept {
  try {
    if (!ctx || !ctx->pump) return;
    if (ctx->pump->Detached()) {
      (void)ctx.release();
      return;
    }
    ctx->pump->Terminate();
    ctx.reset();
  } catch (...) {
    // A thread that cannot be joined: leave everything it may use alive.
    (void)ctx.release();
  }
}

// Sets the opaque, log/error/stats callbacks and `log.queue` on a configuration whose
// client will be served by `ctx->pump`.
void InstallCommonCallbacks(rd_kafka_conf_t* conf, ClientContext* ctx);

// OAUTHBEARER with a token provider in JS: librdkafka's refresh request becomes an
// `oauthbearer-refresh` event; JS answers with SetOAuthBearerToken or
// SetOAuthBearerTokenFailure, which never block.
void InstallOAuthBearer(rd_kafka_conf_t* conf);
// Has librdkafka's background thread, not the main queue, make the refresh requests of a
// handle whose configuration went through InstallOAuthBearer. The pump thread also runs the
// blocking calls (an admin request, a synchronous commit): a refresh request waiting in the
// main queue behind one of them would leave the client without a token, and so without a
// usable broker, until the call timed out.
void ServeTokenRefreshInBackground(rd_kafka_t* rk);
// True when the constructor's options object (info[2]) asks for a JS token provider.
bool WantsOAuthBearer(const Napi::CallbackInfo& info);
// setOAuthBearerToken(token, expiresAtMs, principal, extensions: string[] (k, v, k, v...))
Napi::Value SetOAuthBearerToken(const Napi::CallbackInfo& info, rd_kafka_t* rk);
// setOAuthBearerTokenFailure(message)
Napi::Value SetOAuthBearerTokenFailure(const Napi::CallbackInfo& info, rd_kafka_t* rk);

// Makes librdkafka's main queue (logs, errors, statistics, delivery reports) wake the pump,
// or stops it (`on` false, before the handle is destroyed). The setting lives on the queue
// itself, so no queue handle needs to be kept.
void WakePumpFromMainQueue(ClientContext* ctx, bool on);

// Creates the handle; throws a JS error (librdkafka's reason) on failure. The
// configuration is consumed either way.
rd_kafka_t* CreateHandle(Napi::Env env, rd_kafka_type_t type, rd_kafka_conf_t* conf);

// A partition as plain data. Values bound for JS keep these, never librdkafka's lists: a
// list librdkafka has filled may hold references to the handle's partition objects, and a
// value can reach JS after the handle is destroyed (the last batch of a closing client),
// when destroying such a list would touch freed memory.
struct PartitionEntry {
  std::string topic;
  int32_t partition;
  int64_t offset;
  rd_kafka_resp_err_t err;
};
using Partitions = std::shared_ptr<const std::vector<PartitionEntry>>;
// The partitions of a list, copied (null for a null list). Call while the handle lives.
Partitions CopyPartitions(const rd_kafka_topic_partition_list_t* list);
// [{ topic, partition, offset, error? }] (an empty array for null).
Napi::Value PartitionsToJs(Napi::Env env, const Partitions& list);
// A partition list from [{ topic, partition, offset? }] (offset: bigint or number).
rd_kafka_topic_partition_list_t* PartitionsFromJs(Napi::Env env, Napi::Value value);

// True while the environment can run JS (false once a worker is being terminated or the
// process exits: Node-API then refuses calls that may run JS).
bool EnvCanRunJs(napi_env env);

// A client's constructor body. One that fails because its environment is going away (a
// worker terminated while it created a client) does not throw: node-addon-api's ObjectWrap
// destructor would then read the wrapper's reference, which throws again in a dying
// environment, from a destructor (std::terminate). The object stays inert (no thread, maybe
// no handle), and nothing can call it any more; its finalizer releases what it holds.
template <typename Body>
void ConstructGuarded(Napi::Env env, Body&& body) {
  try {
    body();
  } catch (const Napi::Error&) {
    if (EnvCanRunJs(env)) throw;
  }
}

// Throws a TypeError naming the argument unless `v` satisfies `ok`.
void RequireArg(Napi::Env env, bool ok, const char* what);

}  // namespace octokafka
