package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerListenTest {

    private static List<String> where(Controller.Listen l) {
        return l.addresses().stream().map(Controller::hostPort).toList();
    }

    @Test
    void everyInterfaceWithoutASecretBecomesLoopbackWithAWarningThatSaysHowToOpenIt() {
        Controller.Listen l = Controller.listen("0.0.0.0:9090", null);
        assertEquals(List.of("127.0.0.1:9090"), where(l));
        assertEquals("external-controller 0.0.0.0:9090 would be reachable from other machines without a 'secret', so the "
                + "controller listens on 127.0.0.1:9090 only; set a 'secret' to listen on 0.0.0.0:9090", l.warning());
    }

    @Test
    void everyIpv6InterfaceWithoutASecretBecomesBothLoopbacks() {
        assertEquals(List.of("127.0.0.1:9090", "[::1]:9090"), where(Controller.listen("[::]:9090", null)));
        assertEquals(List.of("127.0.0.1:9090", "[::1]:9090"), where(Controller.listen(":9090", null)));
        assertEquals(List.of("127.0.0.1:9090"), where(Controller.listen("192.0.2.1:9090", "")));
    }

    @Test
    void withASecretOrOnLoopbackItListensAsWritten() {
        Controller.Listen open = Controller.listen("0.0.0.0:9090", "s3cret");
        assertEquals(List.of("0.0.0.0:9090"), where(open));
        assertNull(open.warning());
        Controller.Listen local = Controller.listen("127.0.0.1:9090", null);
        assertEquals(List.of("127.0.0.1:9090"), where(local));
        assertNull(local.warning());
    }

    @Test
    void anAddressWithoutAPortIsStillRefused() {
        assertThrows(IllegalArgumentException.class, () -> Controller.listen("abc", null));
    }
}
