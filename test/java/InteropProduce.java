import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Java producer, driven by a script on stdin so that one JVM serves a whole test file.
 * Usage: java InteropProduce BOOTSTRAP < script. One command a line, fields separated by spaces:
 *   producer [key=value ...]   close the current producer (if any) and open one with these settings
 *   init | begin | commit | abort   the transactional calls (initTransactions, ...)
 *   send ID TOPIC PARTITION TIMESTAMP KEY VALUE [HEADER ...]
 *       PARTITION and TIMESTAMP: a number or "-" (the partitioner's choice, the producer's clock);
 *       KEY and VALUE: "null", "empty" or hex bytes; HEADER: NAMEHEX=VALUE (VALUE as above).
 *   flush
 * Each send's result is printed once its batch is acknowledged (at flush, commit, abort, producer
 * or the end of the script), as one JSON line: {"id":..,"partition":..,"offset":..,"timestamp":..}.
 * Any failure ends the program with a non-zero status: the test then fails with its stderr.
 */
public final class InteropProduce {
  private record Pending(String id, Future<RecordMetadata> future) {}

  private static final HexFormat HEX = HexFormat.of();

  static byte[] bytes(String field) {
    if (field.equals("null")) return null;
    if (field.equals("empty")) return new byte[0];
    return HEX.parseHex(field);
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    KafkaProducer<byte[], byte[]> producer = null;
    List<Pending> pending = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.trim().split(" ");
      if (f[0].isEmpty()) continue;
      switch (f[0]) {
        case "producer" -> {
          report(pending);
          if (producer != null) producer.close();
          Properties props = new Properties();
          props.put("bootstrap.servers", bootstrap);
          props.put("key.serializer", ByteArraySerializer.class.getName());
          props.put("value.serializer", ByteArraySerializer.class.getName());
          // Several records per batch, so that a codec compresses real batches.
          props.put("linger.ms", "20");
          for (int i = 1; i < f.length; i++) {
            int eq = f[i].indexOf('=');
            props.put(f[i].substring(0, eq), f[i].substring(eq + 1));
          }
          producer = new KafkaProducer<>(props);
        }
        case "init" -> producer.initTransactions();
        case "begin" -> producer.beginTransaction();
        case "commit" -> { producer.commitTransaction(); report(pending); }
        case "abort" -> {
          // Sends of an aborted transaction were written (then marked aborted): flush first so
          // that they really reach the log before the abort marker.
          producer.flush();
          report(pending);
          producer.abortTransaction();
        }
        case "flush" -> { producer.flush(); report(pending); }
        case "send" -> {
          Integer partition = f[3].equals("-") ? null : Integer.valueOf(f[3]);
          Long timestamp = f[4].equals("-") ? null : Long.valueOf(f[4]);
          List<org.apache.kafka.common.header.Header> headers = new ArrayList<>();
          for (int i = 7; i < f.length; i++) {
            int eq = f[i].indexOf('=');
            String name = new String(HEX.parseHex(f[i].substring(0, eq)), StandardCharsets.UTF_8);
            headers.add(new RecordHeader(name, bytes(f[i].substring(eq + 1))));
          }
          ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(f[2], partition, timestamp, bytes(f[5]), bytes(f[6]), headers);
          pending.add(new Pending(f[1], producer.send(record)));
        }
        default -> throw new IllegalArgumentException("unknown command: " + line);
      }
    }
    if (producer != null) {
      producer.flush();
      report(pending);
      producer.close();
    }
  }

  /** Prints the results of the sends so far (waiting for each) and forgets them. */
  private static void report(List<Pending> pending) throws Exception {
    for (Pending p : pending) {
      RecordMetadata m = p.future().get();
      System.out.println("{\"id\":\"" + p.id() + "\",\"partition\":" + m.partition() + ",\"offset\":" + m.offset() + ",\"timestamp\":" + m.timestamp() + "}");
    }
    System.out.flush();
    pending.clear();
  }
}
