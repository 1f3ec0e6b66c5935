package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mihomo's {@code external-controller-cors} key: parsed, origins normalised as browsers send them, errors placed. */
class ControllerCorsTest {

    private static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "c.yaml", null, Path.of("."));
    }

    @Test
    void absentMeansUnsetSoTheControllerPicksItsDefault() throws Exception {
        assertEquals(ControllerCors.UNSET, parse("mixed-port: 7890\n").externalControllerCors());
    }

    @Test
    void originsAreNormalisedAndPrivateNetworkIsOptIn() throws Exception {
        Config c = parse("external-controller-cors:\n  allow-origins: [https://YACD.example/, 'http://d.test:8080', '*']\n"
                + "  allow-private-network: true\n");
        assertEquals(new ControllerCors(List.of("https://yacd.example", "http://d.test:8080", "*"), true),
                c.externalControllerCors());
        assertEquals(List.of(), c.warnings());
        assertFalse(parse("external-controller-cors: {allow-origins: []}\n").externalControllerCors().allowPrivateNetwork());
    }

    @Test
    void aPathIsNotAnOriginAndTheErrorSaysWhere() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("external-controller-cors:\n  allow-origins:\n    - https://d.test/ui\n"));
        assertEquals("c.yaml:3:7: 'https://d.test/ui' is not an origin: expected SCHEME://HOST[:PORT] with no path,"
                + " such as https://yacd.example, or *", e.getMessage());
        ConfigException notBool = assertThrows(ConfigException.class,
                () -> parse("external-controller-cors: {allow-private-network: maybe}\n"));
        assertEquals("c.yaml:1:51: 'allow-private-network' must be true or false, got 'maybe'", notBool.getMessage());
    }

    @Test
    void unknownKeysInsideAreWarnings() throws Exception {
        assertEquals(List.of("c.yaml:1:28: unknown key 'allow-methods' in 'external-controller-cors'; ignored"),
                parse("external-controller-cors: {allow-methods: [GET]}\n").warnings());
    }

    @Test
    void defaultPortsAreDroppedAsBrowsersDo() {
        assertEquals("http://127.0.0.1", ControllerCors.normalize("http://127.0.0.1:80"));
        assertEquals("https://[::1]:9090", ControllerCors.normalize("https://[::1]:9090"));
        assertNull(ControllerCors.normalize("yacd.example"));
        assertNull(ControllerCors.normalize("https://u@d.test"));
    }
}
