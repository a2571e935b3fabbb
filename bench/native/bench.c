/*
 * octokafka benchmark: the native limit. The same work as the JS phases of bench/run.mjs,
 * written directly against librdkafka's C API and linked with the same librdkafka.a.
 *
 *   bench produce -b BROKERS -t TOPIC -n COUNT -s SIZE [-m each|batch] [-X key=value]...
 *       rd_kafka_producev (RD_KAFKA_MSG_F_COPY) per message, or with -m batch one
 *       rd_kafka_produce_batch (RD_KAFKA_MSG_F_COPY) per batch, in batches of 10,000 with
 *       rd_kafka_poll(0) between batches (rd_kafka_poll(1 ms) and retry on QUEUE_FULL),
 *       then rd_kafka_flush.
 *   bench feed -b .. -t .. -n .. -s .. -w WINDOW -c CREDIT_FILE [-X ..]...
 *       A producer for consume phases: never more than WINDOW messages ahead of the consumer,
 *       whose running count it reads from CREDIT_FILE (8 bytes, native-endian int64; the mock
 *       cluster keeps only 5 MiB per partition). Prints READY on stdout once the first window
 *       is acknowledged.
 *   bench consume -b .. -t .. -n .. -s .. [-c CREDIT_FILE] [-C ..]...
 *       High-level consumer, assign(partition 0, BEGINNING), rd_kafka_consume_batch_queue
 *       (up to 10,000) on the consumer queue, woken through rd_kafka_queue_io_event_enable;
 *       offsets stored per batch (enable.auto.offset.store=false, like octokafka). Writes its
 *       running count to CREDIT_FILE after each batch (credits for the feeder).
 *   bench latency -b .. -t .. -s .. -r RATE -d SECONDS [-X ..]... [-C key=value]...
 *       One producer (-X) and one consumer (-C) in one process: messages paced at RATE/s by a
 *       1 ms clock, each carrying its CLOCK_MONOTONIC send time; latency = receive - send.
 *
 * The result is one line on stderr: RESULT {json}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define BATCH 10000
#define MAX_CONF 64

static const char *mode, *brokers, *topic;
static long count = 0, size = 100, window_msgs = 0, rate = 10000;
static double seconds = 10;
static const char *pconf[MAX_CONF], *cconf[MAX_CONF];
static int npconf, ncconf;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* VmHWM, this process's own peak: getrusage's ru_maxrss keeps the peak of the process that
 * forked it across exec (Linux), so a child of a large benchmark process reported the parent's. */
static long peak_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
      if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    }
    fclose(f);
    if (kb >= 0) return kb;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  fprintf(stderr, "bench: librdkafka %d %s: %s\n", level, fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk, (void)opaque;
  fprintf(stderr, "bench: librdkafka error %s: %s\n", rd_kafka_err2name(err), reason);
}

static rd_kafka_conf_t *make_conf(const char **kv, int n) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char errstr[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr)) die("%s", errstr);
  for (int i = 0; i < n; i++) {
    char *k = strdup(kv[i]);
    char *eq = strchr(k, '=');
    if (!eq) die("bad -X %s (want key=value)", kv[i]);
    *eq = 0;
    if (rd_kafka_conf_set(conf, k, eq + 1, errstr, sizeof errstr)) die("%s", errstr);
    free(k);
  }
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_error_cb(conf, on_error);
  return conf;
}

/* ---------------------------------------------------------------- producer */

static long delivered, failed;
static int first_error;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk, (void)opaque;
  if (m->err) {
    if (!first_error) first_error = m->err;
    failed++;
  } else {
    delivered++;
  }
}

static rd_kafka_t *new_producer(const char **kv, int n) {
  rd_kafka_conf_t *conf = make_conf(kv, n);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char errstr[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) die("producer: %s", errstr);
  return rk;
}

/* Enqueues one message, waiting (rd_kafka_poll) while the queue is full. */
static int produce_flags = RD_KAFKA_MSG_F_COPY;
/* -m batch: produce with rd_kafka_produce_batch instead of rd_kafka_producev per message. */
static int produce_batch_mode = 0;

static void produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, void *payload, size_t len) {
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                                RD_KAFKA_V_MSGFLAGS(produce_flags), RD_KAFKA_V_VALUE(payload, len),
                                                RD_KAFKA_V_END);
    if (!err) return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("producev: %s", rd_kafka_err2str(err));
    rd_kafka_poll(rk, 1);
  }
}

/* One message produced and acknowledged: connection, metadata and producer id are ready. */
static void warm_up(rd_kafka_t *rk, rd_kafka_topic_t *rkt, void *payload) {
  produce_one(rk, rkt, payload, (size_t)size);
  if (rd_kafka_flush(rk, 30000)) die("warm-up flush timed out");
  if (failed || delivered != 1) die("warm-up delivery failed: %s", rd_kafka_err2name(first_error));
  delivered = 0;
}

static void print_result(const char *extra_fmt, ...) {
  char extra[4096] = "";
  if (extra_fmt) {
    va_list ap;
    va_start(ap, extra_fmt);
    vsnprintf(extra, sizeof extra, extra_fmt, ap);
    va_end(ap);
  }
  fprintf(stderr, "RESULT {\"librdkafka\":\"%s\",\"peakRssKb\":%ld%s%s}\n", rd_kafka_version_str(), peak_rss_kb(),
          extra[0] ? "," : "", extra);
  fflush(stderr);
}

static int cmd_produce(void) {
  rd_kafka_t *rk = new_producer(pconf, npconf);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  char *payload = malloc((size_t)size);
  memset(payload, 'x', (size_t)size);
  warm_up(rk, rkt, payload);

  double cpu0 = cpu_s(), t0 = now_s();
  long sent = 0;
  if (produce_batch_mode) {
    /* rd_kafka_produce_batch: one call per 10,000 (the tail again after a poll when the
       queue fills). */
    rd_kafka_message_t *msgs = calloc(BATCH, sizeof *msgs);
    while (sent < count) {
      int n = (int)(sent + BATCH < count ? BATCH : count - sent);
      for (int i = 0; i < n; i++) {
        msgs[i].payload = payload;
        msgs[i].len = (size_t)size;
        msgs[i].partition = RD_KAFKA_PARTITION_UA;
        msgs[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
      }
      int done = 0;
      while (done < n) {
        rd_kafka_produce_batch(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, msgs + done, n - done);
        int i = done;
        while (i < n && !msgs[i].err) i++;
        if (i < n && msgs[i].err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce_batch: %s", rd_kafka_err2str(msgs[i].err));
        done = i;
        if (done < n) {
          rd_kafka_poll(rk, 1);
          for (int j = done; j < n; j++) msgs[j].err = RD_KAFKA_RESP_ERR_NO_ERROR;
        }
      }
      sent += n;
      rd_kafka_poll(rk, 0);
    }
    free(msgs);
  } else {
    while (sent < count) {
      long end = sent + BATCH < count ? sent + BATCH : count;
      for (; sent < end; sent++) produce_one(rk, rkt, payload, (size_t)size);
      rd_kafka_poll(rk, 0);
    }
  }
  double t_enq = now_s();
  if (rd_kafka_flush(rk, 120000)) die("flush timed out with %d messages left", rd_kafka_outq_len(rk));
  double t1 = now_s(), cpu1 = cpu_s();
  print_result("\"count\":%ld,\"delivered\":%ld,\"failed\":%ld,\"firstError\":\"%s\",\"seconds\":%.6f,\"enqueueSeconds\":%.6f,"
               "\"cpuSeconds\":%.4f",
               count, delivered, failed, first_error ? rd_kafka_err2name(first_error) : "", t1 - t0, t_enq - t0, cpu1 - cpu0);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return failed || delivered != count ? 1 : 0;
}

/* ------------------------------------------------------------------- feeder */

static const char *credit_path; /* -c: an 8-byte file holding the consumer's running count */
static int credit_fd = -1;
static volatile int64_t *credit_map;

static void credit_open(void) {
  if (!credit_path) return;
  credit_fd = open(credit_path, O_RDWR);
  if (credit_fd < 0) die("open %s: %s", credit_path, strerror(errno));
}

/* The consumer's count, as last written (read twice: a torn read is retried). */
static long credit_read(void) {
  if (!credit_map) {
    credit_map = mmap(NULL, 8, PROT_READ, MAP_SHARED, credit_fd, 0);
    if (credit_map == MAP_FAILED) die("mmap %s: %s", credit_path, strerror(errno));
  }
  for (;;) {
    int64_t a = *credit_map, b = *credit_map;
    if (a == b) return (long)a;
  }
}

/* pwrite, not a pipe: no wake-up of another process per batch. */
static void credit_write(long got) {
  if (credit_fd < 0) return;
  int64_t v = got;
  if (pwrite(credit_fd, &v, 8, 0) != 8) die("pwrite %s: %s", credit_path, strerror(errno));
}

static int cmd_feed(void) {
  credit_open();
  if (credit_fd < 0) die("feed needs -c CREDIT_FILE");
  rd_kafka_t *rk = new_producer(pconf, npconf);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  char *payload = malloc((size_t)size);
  memset(payload, 'f', (size_t)size);
  /* The feeder is not under test: its constant payload is not copied (flags 0). */
  produce_flags = 0;
  long sent = 0, waits = 0, credit = 0;
  int ready = 0;
  double cpu0 = cpu_s();
  while (sent < count || !ready) {
    long limit = credit + window_msgs < count ? credit + window_msgs : count;
    int progressed = 0;
    while (sent < limit) {
      produce_one(rk, rkt, payload, (size_t)size);
      sent++;
      progressed = 1;
      if (sent % 1000 == 0) break;
    }
    rd_kafka_poll(rk, 0);
    if (!ready && sent == limit && rd_kafka_outq_len(rk) == 0) {
      /* The first window sits in the partition: the consumer may start. */
      ready = 1;
      printf("READY %ld\n", sent);
      fflush(stdout);
    }
    long before = credit;
    credit = credit_read();
    if (!progressed && credit == before) {
      waits++;
      usleep(100);
    }
  }
  if (rd_kafka_flush(rk, 120000)) die("feed flush timed out");
  print_result("\"count\":%ld,\"delivered\":%ld,\"failed\":%ld,\"cpuSeconds\":%.4f,\"windowWaits\":%ld", count, delivered, failed,
               cpu_s() - cpu0, waits);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return failed || delivered != count ? 1 : 0;
}

/* ----------------------------------------------------------------- consumer */

typedef struct {
  rd_kafka_t *rk;
  rd_kafka_queue_t *q;
  int wake[2];
  rd_kafka_message_t *msgs[BATCH];
} consumer_t;

static void consumer_open(consumer_t *c, const char **kv, int n, int64_t start_offset) {
  rd_kafka_conf_t *conf = make_conf(kv, n);
  char errstr[512];
  c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!c->rk) die("consumer: %s", errstr);
  rd_kafka_poll_set_consumer(c->rk);
  c->q = rd_kafka_queue_get_consumer(c->rk);
  if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC)) die("pipe: %s", strerror(errno));
  rd_kafka_queue_io_event_enable(c->q, c->wake[1], "1", 1);
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = start_offset;
  rd_kafka_resp_err_t err = rd_kafka_assign(c->rk, parts);
  if (err) die("assign: %s", rd_kafka_err2str(err));
  rd_kafka_topic_partition_list_destroy(parts);
}

/* Takes up to BATCH ready messages; waits (up to wait_ms) for the queue's wake-up when none. */
static ssize_t consumer_batch(consumer_t *c, int wait_ms) {
  ssize_t n = rd_kafka_consume_batch_queue(c->q, 0, c->msgs, BATCH);
  if (n > 0) return n;
  struct pollfd p = {.fd = c->wake[0], .events = POLLIN};
  poll(&p, 1, wait_ms);
  char buf[64];
  while (read(c->wake[0], buf, sizeof buf) > 0) {
  }
  return rd_kafka_consume_batch_queue(c->q, 0, c->msgs, BATCH);
}

static void consumer_close(consumer_t *c) {
  rd_kafka_queue_io_event_enable(c->q, -1, NULL, 0);
  rd_kafka_queue_destroy(c->q);
  rd_kafka_consumer_close(c->rk);
  rd_kafka_destroy(c->rk);
  close(c->wake[0]);
  close(c->wake[1]);
}

static int cmd_consume(void) {
  credit_open();
  consumer_t *c = calloc(1, sizeof *c);
  double t_open = now_s();
  consumer_open(c, cconf, ncconf, RD_KAFKA_OFFSET_BEGINNING);
  /* The clock starts when the first batch arrives (connection set-up and the first fetch
   * are not throughput); the messages of that first batch are not counted. */
  double cpu0 = 0, t0 = 0;
  long got = 0, bytes = 0, gaps = 0, errors = 0, batches = 0, untimed = 0;
  int64_t expected = 0;
  int first_err = 0;
  rd_kafka_topic_partition_list_t *store = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_t *sp = rd_kafka_topic_partition_list_add(store, topic, 0);
  double idle_since = now_s();
  while (got < count) {
    ssize_t n = consumer_batch(c, 100);
    if (n <= 0) {
      if (now_s() - idle_since > 30) die("no message for 30 s (got %ld of %ld)", got, count);
      continue;
    }
    idle_since = now_s();
    if (!batches) t0 = idle_since, cpu0 = cpu_s();
    batches++;
    int64_t last = -1;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = c->msgs[i];
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          errors++;
          if (!first_err) first_err = m->err;
        }
      } else {
        if (m->offset != expected) gaps++;
        expected = m->offset + 1;
        last = m->offset;
        bytes += (long)m->len;
        got++;
      }
      rd_kafka_message_destroy(m);
    }
    if (batches == 1) untimed = got;
    if (last >= 0) {
      sp->offset = last + 1;
      rd_kafka_offsets_store(c->rk, store);
    }
    credit_write(got);
  }
  double t1 = now_s(), cpu1 = cpu_s();
  rd_kafka_topic_partition_list_destroy(store);
  consumer_close(c);
  print_result("\"count\":%ld,\"timedCount\":%ld,\"bytes\":%ld,\"seconds\":%.6f,\"startupSeconds\":%.6f,\"cpuSeconds\":%.4f,"
               "\"batches\":%ld,\"gaps\":%ld,\"errors\":%ld,\"firstError\":\"%s\"",
               got, got - untimed, bytes, t1 - t0, t0 - t_open, cpu1 - cpu0, batches, gaps, errors,
               first_err ? rd_kafka_err2name(first_err) : "");
  return gaps || errors ? 1 : 0;
}

/* ------------------------------------------------------------------ latency */

static consumer_t *lat_consumer;
static double *lat_ms;
static atomic_long lat_count, lat_warm;
static atomic_int lat_stop;
static long lat_cap;

static void *latency_consumer_thread(void *arg) {
  (void)arg;
  consumer_t *c = lat_consumer;
  while (!atomic_load(&lat_stop)) {
    ssize_t n = consumer_batch(c, 50);
    int64_t now = now_ns();
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = c->msgs[i];
      if (!m->err && m->len >= 8) {
        int64_t sent;
        memcpy(&sent, m->payload, 8);
        if (sent == 0) {
          atomic_fetch_add(&lat_warm, 1);
        } else {
          long k = atomic_load(&lat_count);
          if (k < lat_cap) lat_ms[k] = (double)(now - sent) / 1e6;
          atomic_store(&lat_count, k + 1);
        }
      }
      rd_kafka_message_destroy(m);
    }
  }
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int cmd_latency(void) {
  if (size < 8) die("latency needs -s >= 8");
  long total = (long)(rate * seconds);
  lat_cap = total;
  lat_ms = calloc((size_t)total + 1, sizeof(double));
  lat_consumer = calloc(1, sizeof *lat_consumer);
  consumer_open(lat_consumer, cconf, ncconf, RD_KAFKA_OFFSET_BEGINNING);
  pthread_t th;
  pthread_create(&th, NULL, latency_consumer_thread, NULL);

  rd_kafka_t *rk = new_producer(pconf, npconf);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  char *payload = calloc(1, (size_t)size);
  /* Warm-up: a message stamped 0 must make the round trip first. */
  warm_up(rk, rkt, payload);
  for (double t = now_s(); atomic_load(&lat_warm) == 0;) {
    if (now_s() - t > 30) die("warm-up message never reached the consumer");
    usleep(1000);
  }

  double cpu0 = cpu_s();
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  int64_t start = now_ns();
  long sent = 0;
  while (sent < total) {
    next.tv_nsec += 1000000;
    if (next.tv_nsec >= 1000000000) next.tv_nsec -= 1000000000, next.tv_sec++;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    long due = (long)((double)(now_ns() - start) / 1e9 * (double)rate) + 1;
    if (due > total) due = total;
    for (; sent < due; sent++) {
      int64_t ts = now_ns();
      memcpy(payload, &ts, 8);
      produce_one(rk, rkt, payload, (size_t)size);
    }
    rd_kafka_poll(rk, 0);
  }
  double send_seconds = (double)(now_ns() - start) / 1e9;
  rd_kafka_flush(rk, 30000);
  for (double t = now_s(); atomic_load(&lat_count) < total && now_s() - t < 30;) usleep(1000);
  double cpu1 = cpu_s();
  atomic_store(&lat_stop, 1);
  pthread_join(th, NULL);
  long n = atomic_load(&lat_count);
  if (n > lat_cap) n = lat_cap;
  qsort(lat_ms, (size_t)n, sizeof(double), cmp_double);
  double p50 = n ? lat_ms[(long)(0.50 * (n - 1))] : -1, p99 = n ? lat_ms[(long)(0.99 * (n - 1))] : -1,
         p999 = n ? lat_ms[(long)(0.999 * (n - 1))] : -1, max = n ? lat_ms[n - 1] : -1;
  consumer_close(lat_consumer);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  print_result("\"count\":%ld,\"received\":%ld,\"delivered\":%ld,\"failed\":%ld,\"seconds\":%.6f,\"cpuSeconds\":%.4f,"
               "\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f",
               total, n, delivered, failed, send_seconds, cpu1 - cpu0, p50, p99, p999, max);
  return n < total ? 1 : 0;
}

/* --------------------------------------------------------------------- main */

int main(int argc, char **argv) {
  if (argc < 2) die("usage: bench produce|feed|consume|latency -b BROKERS -t TOPIC ...");
  mode = argv[1];
  int opt;
  optind = 2;
  while ((opt = getopt(argc, argv, "b:t:n:s:w:r:d:c:m:X:C:")) != -1) {
    switch (opt) {
      case 'b': brokers = optarg; break;
      case 't': topic = optarg; break;
      case 'n': count = atol(optarg); break;
      case 's': size = atol(optarg); break;
      case 'w': window_msgs = atol(optarg); break;
      case 'r': rate = atol(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'c': credit_path = optarg; break;
      case 'm': produce_batch_mode = strcmp(optarg, "batch") == 0; break;
      case 'X':
        if (npconf == MAX_CONF) die("too many -X");
        pconf[npconf++] = optarg;
        break;
      case 'C':
        if (ncconf == MAX_CONF) die("too many -C");
        cconf[ncconf++] = optarg;
        break;
      default: die("unknown option");
    }
  }
  if (!brokers || !topic) die("-b and -t are required");
  if (!strcmp(mode, "produce")) return cmd_produce();
  if (!strcmp(mode, "feed")) {
    if (window_msgs <= 0) die("feed needs -w WINDOW");
    return cmd_feed();
  }
  if (!strcmp(mode, "consume")) return cmd_consume();
  if (!strcmp(mode, "latency")) return cmd_latency();
  die("unknown mode %s", mode);
}
