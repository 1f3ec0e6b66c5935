package dev.turnout.host.files;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mihomo's {@code /storage/KEY} (pull request #2733, 2026-04): a few JSON documents dashboards keep in the core, so
 * that their settings follow the user from one browser or device to the next (zashboard uploads its settings as
 * {@code zashboard} and reads them back on another device).
 *
 * <p>As in mihomo, one document may be at most {@link #MAX_BYTES}, and so may all of them together: a document that
 * would take them beyond it pushes out the ones written longest ago. Kept beside the config ({@value #FILE_NAME}) when
 * this instance keeps its state there, in memory otherwise.
 */
public final class DashboardStorage {

    private static final Logger log = LoggerFactory.getLogger(DashboardStorage.class);

    /** The file's name, beside the config. */
    public static final String FILE_NAME = ".turnout-dashboard-storage";
    /** The most one document, and all of them with their keys, may take, in UTF-8 bytes: mihomo's 1 MB. */
    public static final int MAX_BYTES = 1 << 20;

    /** Each key's document as JSON text, the one written longest ago first. */
    private final Map<String, String> documents = new LinkedHashMap<>();
    private final KeptFile kept;
    private long bytes;

    private DashboardStorage(Path file, Executor writer) {
        this.kept = file == null ? null : KeptFile.at(file, "dashboard storage", writer, this::text);
    }

    /** Documents kept in {@code file} ({@code null}: in memory only). */
    public static DashboardStorage at(Path file) {
        return at(file, file == null ? null : KeptFile.ownWriter("turnout-dashboard-storage-writer"));
    }

    static DashboardStorage at(Path file, Executor writer) {
        DashboardStorage storage = new DashboardStorage(file, writer);
        storage.read();
        return storage;
    }

    private void read() {
        String text = kept == null ? null : kept.read();
        if (text == null) {
            return;
        }
        try {
            if (!(Json.MAPPER.readTree(text) instanceof ObjectNode saved)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            saved.fields().forEachRemaining(e -> {
                String json = e.getValue().toString();
                store(e.getKey(), json, sizeOf(e.getKey(), json));
            });
        } catch (JsonProcessingException | IllegalArgumentException e) {
            log.warn("ignoring unreadable dashboard storage file {}: {}", kept.file(), FileProblems.why(e));
        }
    }

    /** The document kept as {@code key}, as JSON text; {@code null} when there is none. */
    public synchronized String get(String key) {
        return documents.get(key);
    }

    /**
     * Keeps {@code json} (JSON text, checked by the caller) as {@code key}'s document, in place of the one before,
     * pushing out the documents written longest ago when all would take more than {@link #MAX_BYTES}.
     *
     * @throws IllegalArgumentException when the document alone, with its key, takes more; nothing changes then
     */
    public void put(String key, String json) {
        long size = sizeOf(key, json);
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException("the document takes " + size + " bytes with its key; at most "
                    + MAX_BYTES + " are kept");
        }
        synchronized (this) {
            store(key, json, size);
        }
        changed();
    }

    /** Forgets {@code key}'s document; none is no error. */
    public void delete(String key) {
        synchronized (this) {
            String gone = documents.remove(key);
            if (gone == null) {
                return;
            }
            bytes -= sizeOf(key, gone);
        }
        changed();
    }

    /** Keeps {@code json}, of {@code size} bytes with its key, as the newest document. */
    private void store(String key, String json, long size) {
        String before = documents.remove(key);
        if (before != null) {
            bytes -= sizeOf(key, before);
        }
        documents.put(key, json);
        bytes += size;
        for (Iterator<Map.Entry<String, String>> oldest = documents.entrySet().iterator();
             bytes > MAX_BYTES && oldest.hasNext(); ) {
            Map.Entry<String, String> e = oldest.next();
            if (!e.getKey().equals(key)) {
                bytes -= sizeOf(e.getKey(), e.getValue());
                oldest.remove();
                log.info("dashboard storage: '{}' pushed out by '{}' ({} bytes at most are kept)", e.getKey(), key,
                        MAX_BYTES);
            }
        }
    }

    private static long sizeOf(String key, String json) {
        return (long) key.getBytes(StandardCharsets.UTF_8).length + json.getBytes(StandardCharsets.UTF_8).length;
    }

    private void changed() {
        if (kept != null) {
            kept.changed();
        }
    }

    /** The file's text: one JSON object, the documents in the order they were written. */
    private String text() {
        StringBuilder out = new StringBuilder("{");
        synchronized (this) {
            documents.forEach((key, json) -> {
                if (out.length() > 1) {
                    out.append(",\n");
                }
                out.append(quoted(key)).append(':').append(json);
            });
        }
        return out.append("}\n").toString();
    }

    private static String quoted(String key) {
        try {
            return Json.MAPPER.writeValueAsString(key);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a string always has a JSON form
        }
    }

    /** Waits a little for the last change to reach the file (see {@link KeptFile#close}). */
    public void close() {
        if (kept != null) {
            kept.close();
        }
    }

    /**
     * Jackson, made when a document is first read or written: making it loads some thousand classes, which a start
     * would otherwise pay for in resident memory (69.4 against 62.8 MB after start, bench/rss.sh) though few
     * users keep anything here.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
