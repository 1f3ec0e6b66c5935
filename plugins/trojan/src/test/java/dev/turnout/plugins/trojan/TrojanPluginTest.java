package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.ExtensionIndex;
import org.junit.jupiter.api.Test;

/** What PF4J needs to find this plugin's outbound type once the module is a jar in plugins/. */
class TrojanPluginTest {

    @Test
    void indexesTheOutboundTypeForPf4j() throws Exception {
        ExtensionIndex.assertIndexed(TrojanType.class);
    }

    @Test
    void typeCanBeBuiltTheWayPf4jBuildsExtensions() throws Exception {
        ExtensionIndex.assertBuildableByPf4j(TrojanType.class);
        assertTrue(new TrojanPlugin() instanceof org.pf4j.Plugin);
    }
}
