{
  "variables": {
    # Builds (or finds in the cache) the pinned static librdkafka; prints its prefix.
    "rdkafka_prefix": "<!(bash scripts/librdkafka.sh --print-prefix)",
  },
  "targets": [
    {
      "target_name": "octokafka",
      "sources": [
        "native/addon.cc",
        "native/admin.cc",
        "native/admin_data.cc",
        "native/admin_requests.cc",
        "native/admin_results.cc",
        "native/batch_js.cc",
        "native/client.cc",
        "native/config.cc",
        "native/consumer.cc",
        "native/errors.cc",
        "native/message_pack.cc",
        "native/mock_cluster.cc",
        "native/produce_args.cc",
        "native/producer.cc",
        "native/producer_arena.cc",
        "native/pump.cc",
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
      ],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an exception a method cannot hand to JS
      # because its environment is terminating (a worker's terminate()) is dropped, instead of
      # node-addon-api throwing again out of the Node-API callback (std::terminate).
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-fvisibility=hidden", "-Wall", "-Wextra", "-isystem", "<(rdkafka_prefix)/include"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": [
        "<(rdkafka_prefix)/lib/librdkafka.a",
        "<!(cc -print-file-name=libssl.a)",
        "<!(cc -print-file-name=libcrypto.a)",
        "<!(cc -print-file-name=libzstd.a)",
        "<!(cc -print-file-name=libz.a)",
        "-lpthread",
        "-lm",
        "-ldl",
      ],
      # Keep librdkafka's and OpenSSL's symbols private: otherwise the addon's SSL_CTX_new
      # binds to node's own OpenSSL, and rd_kafka_* clash with any other librdkafka addon.
      "ldflags": [
        "-Wl,--exclude-libs,ALL",
        "-Wl,--version-script=<(module_root_dir)/native/exports.map",
        "-Wl,--as-needed",
        # Never unloaded (dlclose is a no-op): a worker's environment may be the only one
        # that loaded the addon, and a client's teardown thread that outlives it (a close
        # past its deadline) still runs this code; librdkafka's process-wide state is
        # initialised once.
        "-Wl,-z,nodelete",
        # The C++ runtime is linked in, so the addon needs nothing but libc, libm and
        # (on older glibc) libpthread/libdl at run time.
        "-static-libstdc++",
        "-static-libgcc",
      ],
    }
  ]
}
