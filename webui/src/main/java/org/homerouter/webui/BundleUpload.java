package org.homerouter.webui;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.homerouter.webui.api.Firmware;

/**
 * The System page's update file, read from its form (multipart/form-data, RFC 7578) as it arrives
 * and handed on a piece at a time: the bundle is about as large as the router's data partition
 * and larger than its free memory, so it is never held whole. The form's one other field, the
 * CSRF token, comes in the query, so the request is checked before its body is read.
 */
final class BundleUpload {
    /** The form field of the file. */
    static final String FIELD = "bundle";
    /** Larger than any bundle: a root slot is 256 MiB (image/stages/60-disk.sh), plus the small files. */
    static final long MAX_BYTES = 300L << 20;
    private static final int READ = 64 * 1024;

    /** What came of an upload: the installer's outcome, or why the file never reached it. */
    record Result(Firmware.Outcome outcome, String refused) {
    }

    private BundleUpload() {
    }

    /** Set on a request whose body {@link #receive} read. */
    private static final String READ_ATTRIBUTE = BundleUpload.class.getName() + ".read";

    static boolean read(Request request) {
        return request.getAttribute(READ_ATTRIBUTE) != null;
    }

    /**
     * Reads and drops a body refused before it was read, up to {@link #MAX_BYTES} and for {@code
     * deadline} at most, holding no thread while it waits for the next piece: the refused are
     * anyone on the LAN with a made-up session cookie, and a blocking read (a byte every few
     * seconds keeps a connection from timing out) let 200 such uploads hold every thread of the
     * UI, and the owner locked out of it, for as long as they liked. Completes, normally, at the
     * body's end, at the limit, at the deadline or when the browser goes.
     */
    static CompletableFuture<Void> discard(Request request, Duration deadline) {
        CompletableFuture<Void> done = new CompletableFuture<Void>()
                .completeOnTimeout(null, deadline.toMillis(), TimeUnit.MILLISECONDS);
        new Runnable() {
            private long total;

            @Override
            public void run() {
                while (!done.isDone()) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        done.complete(null); // the browser went: nobody to answer
                        return;
                    }
                    total += chunk.remaining();
                    boolean last = chunk.isLast();
                    chunk.release();
                    if (last || total > MAX_BYTES) {
                        done.complete(null);
                        return;
                    }
                }
            }
        }.run();
        return done;
    }

    static Result receive(Request request, Firmware firmware, String from) throws IOException {
        request.setAttribute(READ_ATTRIBUTE, Boolean.TRUE);
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String boundary = type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")
                ? null : MultiPart.extractBoundary(type);
        if (boundary == null || boundary.isEmpty()) {
            return new Result(null, "The update file did not arrive as a file upload: choose the file on this page and"
                    + " send it with its button.");
        }
        long length = request.getLength();
        if (length > MAX_BYTES) {
            return new Result(null, "That file (" + (length >> 20) + " MiB) is larger than any update for this router"
                    + " (at most " + (MAX_BYTES >> 20) + " MiB): it is not an update file.");
        }
        Parts parts = new Parts(firmware, from);
        MultiPart.Parser parser = new MultiPart.Parser(boundary, parts);
        parser.setMaxParts(8);
        long read = 0;
        try (InputStream in = Content.Source.asInputStream(request)) {
            // Read to the end after a refusal too (the rest only counted): a browser whose upload
            // is cut short shows "connection reset", not the page that says why.
            while (true) {
                byte[] buf = new byte[READ]; // the parser may keep a slice of it until the next chunk
                int n = in.read(buf);
                if (n < 0) {
                    parser.parse(Content.Chunk.EOF);
                    break;
                }
                read += n;
                if (read > MAX_BYTES) {
                    parts.refuse("That file is larger than any update for this router (at most " + (MAX_BYTES >> 20)
                            + " MiB): it is not an update file.");
                    break;
                }
                parser.parse(Content.Chunk.from(ByteBuffer.wrap(buf, 0, n), false));
            }
        } catch (IOException | RuntimeException e) {
            parts.abort();
            throw e;
        }
        if (parts.refused != null) {
            parts.abort();
            return new Result(null, parts.refused);
        }
        if (parts.upload == null || parts.bytes == 0) {
            parts.abort();
            return new Result(null, "No update file was chosen: choose the file (homerouter-….update) and install"
                    + " it again.");
        }
        if (!parts.complete) {
            parts.abort();
            return new Result(null, "The update file did not arrive whole: nothing was installed. Send it again.");
        }
        try {
            return new Result(parts.upload.finish(), null);
        } catch (IOException e) {
            return new Result(null, "The router's installer did not answer (" + e.getMessage() + "): look at this page"
                    + " again in a minute; it says whether an update waits for a restart.");
        }
    }

    /** The parser's listener: the file part's content goes to the installer as it comes. */
    private static final class Parts implements MultiPart.Parser.Listener {
        private final Firmware firmware;
        private final String from;
        private Firmware.Upload upload;
        private boolean inFile;
        private boolean fileSeen;
        private String disposition;
        private long bytes;
        private boolean complete;
        private String refused;

        Parts(Firmware firmware, String from) {
            this.firmware = firmware;
            this.from = from;
        }

        void refuse(String why) {
            if (refused == null) {
                refused = why;
            }
        }

        void abort() {
            if (upload != null) {
                upload.abort();
                upload = null;
            }
        }

        @Override
        public void onPartBegin() {
            disposition = null;
        }

        @Override
        public void onPartHeader(String name, String value) {
            if ("content-disposition".equalsIgnoreCase(name)) {
                disposition = value;
            }
        }

        @Override
        public void onPartHeaders() {
            inFile = disposition != null && disposition.matches("(?i)form-data\\s*;.*\\bname=\"?" + FIELD + "\"?(;.*)?");
            if (!inFile || refused != null) {
                return;
            }
            if (fileSeen) {
                refuse("Choose one update file at a time.");
                inFile = false;
                return;
            }
            fileSeen = true;
            try {
                upload = firmware.begin(from);
            } catch (IllegalStateException e) {
                refuse(e.getMessage());
                inFile = false;
            } catch (IOException e) {
                refuse("The update could not be handed to the router's installer: " + e.getMessage());
                inFile = false;
            }
        }

        @Override
        public void onPartContent(Content.Chunk chunk) {
            // Not released here: the parser releases what it hands over once this returns.
            if (inFile && upload != null && refused == null && chunk.hasRemaining()) {
                bytes += chunk.remaining();
                try {
                    upload.write(chunk.getByteBuffer());
                } catch (IOException e) {
                    refuse("The update could not be handed to the router's installer: " + e.getMessage());
                }
            }
        }

        @Override
        public void onPartEnd() {
            inFile = false;
        }

        @Override
        public void onComplete() {
            complete = true;
        }

        @Override
        public void onFailure(Throwable failure) {
            refuse("The update file could not be read from the form (" + failure.getMessage() + "): nothing was"
                    + " installed. Send it again.");
        }
    }
}
