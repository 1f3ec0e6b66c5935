package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticFilesTest {

    @TempDir
    Path dir;

    @Test
    void servesTheBuiltInPage() throws Exception {
        StaticFiles ui = new StaticFiles(null);
        StaticFiles.Found index = ui.find("");
        assertNotNull(index);
        assertEquals("text/html; charset=utf-8", index.contentType());
        assertTrue(new String(index.bytes(), StandardCharsets.UTF_8).contains("app.js"));
        assertEquals("text/javascript; charset=utf-8", ui.find("app.js").contentType());
        assertNull(ui.find("missing.js"));
    }

    @Test
    void servesAnExternalFolderAndRefusesToLeaveIt() throws Exception {
        Path root = Files.createDirectories(dir.resolve("yacd"));
        Files.writeString(root.resolve("index.html"), "<p>yacd</p>");
        Files.createDirectories(root.resolve("assets"));
        Files.writeString(root.resolve("assets/a b.css"), "p{}");
        Files.writeString(dir.resolve("secret.txt"), "no");
        Files.createSymbolicLink(root.resolve("link.txt"), dir.resolve("secret.txt"));
        StaticFiles ui = new StaticFiles(root);
        assertEquals("<p>yacd</p>", new String(ui.find("").bytes(), StandardCharsets.UTF_8));
        assertEquals("text/css; charset=utf-8", ui.find("assets/a%20b.css").contentType());
        assertThrows(StaticFiles.Refused.class, () -> ui.find("../secret.txt"));
        assertThrows(StaticFiles.Refused.class, () -> ui.find("..%2Fsecret.txt"));
        assertThrows(StaticFiles.Refused.class, () -> ui.find("assets/..%2F..%2Fsecret.txt"));
        assertThrows(StaticFiles.Refused.class, () -> ui.find("%2Fetc%2Fpasswd"));
        assertThrows(StaticFiles.Refused.class, () -> ui.find("link.txt"));
        assertNull(ui.find("nothing.html"));
    }
}
