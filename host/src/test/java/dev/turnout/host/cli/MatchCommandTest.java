package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code turnout match} answers as {@code run} routes: by the mode first, then by the rules. */
class MatchCommandTest {

    @TempDir
    Path dir;

    @Test
    void modeDirectAndGlobalDecideWithoutTheRulesAsRunDoes() throws Exception {
        assertEquals("203.0.113.10 8080\tDIRECT\tDIRECT\n", match("mode: Direct\nrules: ['MATCH,REJECT']\n",
                "203.0.113.10 8080\n", false).out);
        Answer global = match("mode: global\nrules: ['DST-PORT,8080,REJECT', 'MATCH,DIRECT']\n",
                "203.0.113.10 8080\n", true);
        assertEquals("203.0.113.10 8080\tGLOBAL\tGLOBAL\n  mode global: every flow goes to GLOBAL; the rules are not"
                + " consulted\n", global.out);
        assertTrue(global.err.contains("mode: global: every flow goes to GLOBAL without the rules"), global.err);
    }

    @Test
    void ruleModeAnswersByTheRulesInTheSameFormat() throws Exception {
        Answer rule = match("rules: ['DST-PORT,8080,REJECT', 'MATCH,DIRECT']\n", "203.0.113.10 8080\n", false);
        assertEquals("203.0.113.10 8080\tREJECT\tDST-PORT,8080\n", rule.out);
        assertEquals("", rule.err);
    }

    /**
     * check and run refuse a {@code hosts:} value of {@code lan} (mihomo's "this machine's addresses") at its place;
     * match answered for the same file as if it were fine (keys tester F12). It reads the hosts as they do.
     */
    @Test
    void aHostsEntryCheckAndRunRefuseIsRefusedTheSameWay() throws Exception {
        Answer lan = execute("mixed-port: 17890\nhosts: {home.lan: lan}\nrules: ['MATCH,DIRECT']\n", "home.lan\n", false);
        assertEquals(2, lan.code(), lan.toString());
        assertEquals("", lan.out());
        String at = dir.resolve("config.yaml") + ":2:";
        assertTrue(lan.err().startsWith("turnout: " + at) && lan.err().contains("hosts 'home.lan': 'lan' (this "
                + "machine's addresses, in mihomo) is not supported; write the addresses"), lan.err());
    }

    private record Answer(String out, String err, int code) {
    }

    private Answer match(String yaml, String input, boolean explain) throws Exception {
        Answer answer = execute(yaml, input, explain);
        assertEquals(0, answer.code(), answer.err());
        return answer;
    }

    private Answer execute(String yaml, String input, boolean explain) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        InputStream savedIn = System.in;
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] args = explain ? new String[] {"match", "--explain", "-c", config.toString()}
                    : new String[] {"match", "-c", config.toString()};
            code = Main.execute(args);
        } finally {
            System.setIn(savedIn);
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Answer(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), code);
    }
}
