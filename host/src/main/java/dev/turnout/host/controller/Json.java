package dev.turnout.host.controller;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The controller's JSON, through Jackson: writes maps, lists, strings, numbers, booleans and null; reads request
 * bodies into the same types (integers as {@link Integer}/{@link Long}, fractions as {@link java.math.BigDecimal}).
 * Bounded nesting, so a hostile body cannot exhaust the stack.
 */
public final class Json {

    static final int MAX_DEPTH = 64;

    private static final JsonMapper MAPPER = mapper();

    private Json() {
    }

    private static JsonMapper mapper() {
        JsonMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
        m.getFactory().setCharacterEscapes(new HtmlSafe());
        return m;
    }

    /** '<' and the JavaScript line separators escaped too, so a JSON document pasted into HTML cannot close a script. */
    private static final class HtmlSafe extends CharacterEscapes {
        private final int[] escapes = standardAsciiEscapesForJSON();

        HtmlSafe() {
            escapes['<'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch == 0x2028 || ch == 0x2029 ? new com.fasterxml.jackson.core.io.SerializedString(
                    String.format("\\u%04x", ch)) : null;
        }
    }

    /** A body that is not JSON, or not the JSON expected; the message says where. */
    public static final class JsonException extends Exception {
        JsonException(String message) {
            super(message);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON", e);
        }
    }

    /** A document written piece by piece, so that what it lists never has to be held whole. */
    @FunctionalInterface
    interface Document {
        void writeTo(JsonGenerator out) throws IOException;

        /** About how many bytes it takes: a buffer grown by doubling instead leaves its smaller sizes pooled. */
        default int expectedBytes() {
            return 256;
        }
    }

    /**
     * {@code document} as UTF-8 in a buffer from {@code alloc}: no String and no byte array on the way, so a large
     * answer (the connection list with thousands of flows) leaves little behind on the heap.
     */
    static ByteBuf write(ByteBufAllocator alloc, Document document) {
        ByteBuf buf = alloc.buffer(document.expectedBytes());
        try (JsonGenerator out = MAPPER.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            document.writeTo(out);
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    /** Parses one JSON value that must fill {@code text} (whitespace aside). */
    public static Object parse(String text) throws JsonException {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new JsonException(e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at offset " + e.getLocation().getCharOffset()));
        }
    }

    /** Parses a JSON object; anything else is an error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) throws JsonException {
        if (parse(text) instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new JsonException("expected a JSON object");
    }
}
