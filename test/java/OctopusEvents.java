import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A plain Java consumer decoding the topic layer's events (the Octopus wire format, described in
 * docs/interop.md; lib/topic/wire.ts writes it), with nothing of octokafka.
 * Usage: java OctopusEvents BOOTSTRAP < script, one Kafka topic a line. Prints one JSON line per
 * record: where it is, whether it has a key and how many headers (events have neither), and
 * either the metadata JSON text and the data bytes (hex), or "endOfStream", or an "error".
 */
public final class OctopusEvents {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String topic; (topic = in.readLine()) != null; ) {
      if (topic.isBlank()) continue;
      InteropConsume.readAll(args[0], "read_uncommitted", topic.trim(), r -> System.out.println(event(r)));
    }
  }

  /**
   * One event: u64 metadata length | u64 data length | metadata | data, little-endian. The
   * default serializer's metadata is itself u64 JSON length | JSON text. Both lengths all ones
   * (-1 as a signed long) is the end-of-stream marker.
   */
  private static String event(ConsumerRecord<byte[], byte[]> r) {
    String where = "{\"topic\":" + InteropConsume.text(r.topic()) + ",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
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
    return where + ",\"metadata\":" + InteropConsume.text(new String(json, StandardCharsets.UTF_8)) + ",\"data\":" + InteropConsume.hex(data) + "}";
  }
}
