package dev.turnout.dist.controller;

import dev.turnout.dist.testing.Netns;
import dev.turnout.host.controller.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Calls Turnout's controller from inside the test's namespace with curl, the way a dashboard would, and
 * hands back the status and body.
 */
public final class Api {

    /** An answer: HTTP status, body text, and the response headers as curl printed them. */
    public record Response(int status, String body, String headers) {

        public Object json() {
            try {
                return Json.parse(body);
            } catch (Json.JsonException e) {
                throw new AssertionError("not JSON (" + e.getMessage() + "): " + body);
            }
        }

        @SuppressWarnings("unchecked")
        public Map<String, Object> object() {
            Object o = json();
            if (o instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            throw new AssertionError("not a JSON object: " + body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final Netns ns;
    private final int port;
    private final String secret;

    public Api(Netns ns, int port, String secret) {
        this.ns = ns;
        this.port = port;
        this.secret = secret;
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    public Response get(String path) throws IOException, InterruptedException {
        return call("GET", path, null);
    }

    public Response call(String method, String path, String body, String... extraCurlArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-X", method, "-D", "/dev/stderr",
                "-w", "\n%{http_code}"));
        if (secret != null) {
            cmd.add("-H");
            cmd.add("Authorization: Bearer " + secret);
        }
        if (body != null) {
            cmd.add("-H");
            cmd.add("Content-Type: application/json");
            cmd.add("--data-binary");
            cmd.add(body);
        }
        cmd.addAll(List.of(extraCurlArgs));
        cmd.add(base() + path);
        Netns.Result r = ns.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
        String out = r.stdout();
        int cut = out.lastIndexOf('\n');
        if (cut < 0) {
            throw new IOException("curl " + method + " " + path + " failed (" + r.exitCode() + "): " + r.stderr());
        }
        int status = Integer.parseInt(out.substring(cut + 1).trim());
        return new Response(status, out.substring(0, cut), r.stderr());
    }

    /** The same API without the secret: what a stranger gets. */
    public Api anonymous() {
        return new Api(ns, port, null);
    }

    /** The same API with another secret. */
    public Api withSecret(String other) {
        return new Api(ns, port, other);
    }
}
