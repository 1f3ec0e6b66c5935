package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FileProblemsTest {

    @Test
    void aReasonTheJdkGivesOnlyAsATypeIsSaidInWords() {
        assertEquals("/etc/turnout: permission denied", FileProblems.why(new AccessDeniedException("/etc/turnout")));
        assertEquals("/home/u: no such file or directory", FileProblems.why(new NoSuchFileException("/home/u")));
    }

    @Test
    void thePathTheLineAlreadyNamesIsNotSaidTwice() {
        assertEquals("permission denied",
                FileProblems.why(new AccessDeniedException("/run/t.pid"), Path.of("/run/t.pid")));
        assertEquals("/run: permission denied", FileProblems.why(new AccessDeniedException("/run"), Path.of("/run/t.pid")));
    }

    @Test
    void aReasonTheSystemGaveAndOtherFailuresKeepTheirOwnWords() {
        assertEquals("/a -> /b: Read-only file system",
                FileProblems.why(new FileSystemException("/a", "/b", "Read-only file system")));
        assertEquals("/c (Permission denied)", FileProblems.why(new FileNotFoundException("/c (Permission denied)")));
        assertEquals("IOException", FileProblems.why(new IOException()));
    }
}
