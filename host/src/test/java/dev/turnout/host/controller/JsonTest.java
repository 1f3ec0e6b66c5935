package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesClashShapesWithEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "🚀 \"Auto\"\n");
        m.put("all", List.of("a", "b"));
        m.put("udp", false);
        m.put("delay", 12);
        m.put("now", null);
        assertEquals("{\"name\":\"🚀 \\\"Auto\\\"\\n\",\"all\":[\"a\",\"b\"],\"udp\":false,\"delay\":12,\"now\":null}", Json.write(m));
    }

    @Test
    void escapesAngleBracketAndControlCharacters() {
        assertEquals("\"\\u003C/script>\\u0001\\u2028\"", Json.write("</script>\u0001\u2028"));
    }

    @Test
    void readsObjectsWithUnicodeEscapesAndNumbers() throws Exception {
        Map<String, Object> m = Json.parseObject(" {\"name\": \"\\ud83d\\ude80 x\", \"n\": -1.5e2, \"ok\": true, \"l\": [1, null]} ");
        assertEquals("🚀 x", m.get("name"));
        assertEquals(new BigDecimal("-1.5e2"), m.get("n"));
        assertEquals(Boolean.TRUE, m.get("ok"));
        assertEquals(Arrays.asList(1, null), m.get("l"));
    }

    @Test
    void rejectsMalformedBodies() {
        for (String bad : new String[] {"", "{", "{\"a\":}", "{\"a\":1,}", "[1] x", "{'a':1}", "{\"a\":tru}", "\"\\x\""}) {
            assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void rejectsNonObjectWhereObjectExpected() {
        assertThrows(Json.JsonException.class, () -> Json.parseObject("[1,2]"));
    }

    @Test
    void boundsNestingDepth() {
        String deep = "[".repeat(Json.MAX_DEPTH + 5) + "]".repeat(Json.MAX_DEPTH + 5);
        assertThrows(Json.JsonException.class, () -> Json.parse(deep));
    }
}
