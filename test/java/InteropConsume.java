import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Java consumer: reads whole topics and prints every record as one JSON line, so that a
 * test compares them field by field with what it wrote. One JVM serves a whole test file.
 * Usage: java InteropConsume BOOTSTRAP < script, one topic a line:
 *   raw ISOLATION TOPIC       every record: partition, offset, timestamp and its type, key,
 *                             value and headers (bytes in hex, null as null)
 *   octopus ISOLATION TOPIC   every record decoded as an Octopus event (the topic layer's wire
 *                             format, see the project's docs): metadata JSON text and data bytes
 * ISOLATION is read_committed or read_uncommitted. No consumer group: every partition is
 * assigned and read from the beginning to its end offset as the consumer sees it when it starts
 * (the last stable offset under read_committed), so the program ends on its own.
 */
public final class InteropConsume {
  private static final HexFormat HEX = HexFormat.of();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.trim().split(" ");
      if (f[0].isEmpty()) continue;
      read(args[0], f[0].equals("octopus"), f[1], f[2]);
    }
  }

  private static void read(String bootstrap, boolean octopus, String isolation, String topic) {
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
      while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out reading " + topic);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          System.out.println(octopus ? event(r) : raw(r, isolation));
        }
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

  /**
   * One event of the topic layer: u64 metadata length | u64 data length | metadata | data,
   * little-endian; the default serializer's metadata is itself u64 JSON length | JSON text.
   * Both lengths all ones is the end-of-stream marker.
   */
  private static String event(ConsumerRecord<byte[], byte[]> r) {
    String where = "{\"topic\":" + text(r.topic()) + ",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
        + ",\"keyIsNull\":" + (r.key() == null) + ",\"headerCount\":" + r.headers().toArray().length;
    byte[] v = r.value();
    if (v == null || v.length < 16) return where + ",\"error\":\"value shorter than 16 bytes\"}";
    ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
    long metadataLength = b.getLong();
    long dataLength = b.getLong();
    if (metadataLength == -1L && dataLength == -1L) return where + ",\"endOfStream\":true}";
    if (metadataLength < 8 || dataLength < 0 || 16 + metadataLength + dataLength != v.length) {
      return where + ",\"error\":\"lengths do not add up\"}";
    }
    long jsonLength = b.getLong();
    if (8 + jsonLength != metadataLength) return where + ",\"error\":\"metadata is not u64 length | JSON\"}";
    byte[] json = new byte[(int) jsonLength];
    b.get(json);
    byte[] data = new byte[(int) dataLength];
    b.get(data);
    return where + ",\"metadata\":" + text(new String(json, StandardCharsets.UTF_8)) + ",\"data\":" + hex(data) + "}";
  }

  private static String hex(byte[] bytes) {
    return bytes == null ? "null" : "\"" + HEX.formatHex(bytes) + "\"";
  }

  /** A JSON string literal. */
  private static String text(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.append('"').toString();
  }
}
