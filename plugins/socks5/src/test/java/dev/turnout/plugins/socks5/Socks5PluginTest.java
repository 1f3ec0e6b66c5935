package dev.turnout.plugins.socks5;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.ExtensionIndex;
import org.junit.jupiter.api.Test;

/** What PF4J needs to find this plugin's outbound type once the module is a jar in plugins/. */
class Socks5PluginTest {

    @Test
    void indexesTheOutboundTypeForPf4j() throws Exception {
        ExtensionIndex.assertIndexed(Socks5Type.class);
    }

    @Test
    void typeCanBeBuiltTheWayPf4jBuildsExtensions() throws Exception {
        ExtensionIndex.assertBuildableByPf4j(Socks5Type.class);
        assertTrue(new Socks5Plugin() instanceof org.pf4j.Plugin);
    }
}
