package dev.turnout.api.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequiredTest {

    @Test
    void aMissingToolSkipsForADeveloperAndSaysWhat() {
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> Required.check(false, false, () -> "danted is not installed"));
        assertTrue(e.getMessage().contains("skipped: danted is not installed"), e.getMessage());
    }

    @Test
    void aMissingToolFailsUnderCiAndSaysWhat() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> Required.check(true, false, () -> "danted is not installed"));
        assertTrue(e.getMessage().contains("CI=true") && e.getMessage().contains("danted is not installed"), e.getMessage());
    }

    @Test
    void whatIsPresentNeitherSkipsNorFails() {
        assertDoesNotThrow(() -> Required.check(true, true, () -> "unused"));
        assertDoesNotThrow(() -> Required.check(false, true, () -> "unused"));
    }
}
