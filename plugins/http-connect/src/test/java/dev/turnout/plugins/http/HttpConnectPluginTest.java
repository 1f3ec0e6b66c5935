package dev.turnout.plugins.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OutboundType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What PF4J needs to find this plugin's outbound type once the module is a jar in plugins/. */
class HttpConnectPluginTest {

    @Test
    void indexesTheOutboundTypeForPf4j() throws IOException {
        List<String> indexed = new ArrayList<>();
        Enumeration<URL> indexes = getClass().getClassLoader().getResources("META-INF/extensions.idx");
        while (indexes.hasMoreElements()) {
            try (InputStream in = indexes.nextElement().openStream()) {
                indexed.addAll(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
            }
        }
        assertTrue(indexed.contains(HttpConnectType.class.getName()), "extensions.idx lists " + indexed);
    }

    @Test
    void typeCanBeBuiltTheWayPf4jBuildsExtensions() throws Exception {
        Object extension = HttpConnectType.class.getConstructor().newInstance();
        assertTrue(extension instanceof OutboundType);
        assertTrue(new HttpConnectPlugin() instanceof org.pf4j.Plugin);
    }
}
