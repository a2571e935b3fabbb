import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Java consumer: reads whole topics and prints every record as one JSON line, so that a
 * test compares them field by field with what it wrote. One JVM serves a whole test file.
 * Usage: java InteropConsume BOOTSTRAP < script, one topic a line:
 *   ISOLATION TOPIC   (ISOLATION: read_committed or read_uncommitted)
 * Each record: topic, isolation, partition, offset, timestamp and its type, key, value and
 * headers (bytes in hex, null as null). No consumer group: every partition is assigned and read
 * from the beginning to its end offset as the consumer sees it when it starts (the last stable
 * offset under read_committed), so the program ends on its own. OctopusEvents uses readAll too.
 */
public final class InteropConsume {
  private static final HexFormat HEX = HexFormat.of();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.trim().split(" ");
      if (f[0].isEmpty()) continue;
      String isolation = f[0];
      readAll(args[0], isolation, f[1], r -> System.out.println(raw(r, isolation)));
    }
  }

  /** Calls `each` with every record of the topic, from the beginning to its end offsets. */
  static void readAll(String bootstrap, String isolation, String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    props.put("isolation.level", isolation);
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.currentTimeMillis() + 60_000;
      // The position moves past transaction markers and aborted records too, so this ends.
      while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out reading " + topic);
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
    System.out.flush();
  }

  private static String raw(ConsumerRecord<byte[], byte[]> r, String isolation) {
    StringBuilder headers = new StringBuilder("[");
    for (Header h : r.headers()) {
      if (headers.length() > 1) headers.append(',');
      headers.append('[').append(text(h.key())).append(',').append(hex(h.value())).append(']');
    }
    headers.append(']');
    return "{\"topic\":" + text(r.topic()) + ",\"isolation\":" + text(isolation) + ",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
        + ",\"timestamp\":" + r.timestamp() + ",\"timestampType\":" + text(r.timestampType().name)
        + ",\"key\":" + hex(r.key()) + ",\"value\":" + hex(r.value()) + ",\"headers\":" + headers + "}";
  }

  static String hex(byte[] bytes) {
    return bytes == null ? "null" : "\"" + HEX.formatHex(bytes) + "\"";
  }

  /** A JSON string literal. */
  static String text(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }
}
