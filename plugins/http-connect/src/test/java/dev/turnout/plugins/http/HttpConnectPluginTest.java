package dev.turnout.plugins.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.ExtensionIndex;
import org.junit.jupiter.api.Test;

/** What PF4J needs to find this plugin's outbound type once the module is a jar in plugins/. */
class HttpConnectPluginTest {

    @Test
    void indexesTheOutboundTypeForPf4j() throws Exception {
        ExtensionIndex.assertIndexed(HttpConnectType.class);
    }

    @Test
    void typeCanBeBuiltTheWayPf4jBuildsExtensions() throws Exception {
        ExtensionIndex.assertBuildableByPf4j(HttpConnectType.class);
        assertTrue(new HttpConnectPlugin() instanceof org.pf4j.Plugin);
    }
}
