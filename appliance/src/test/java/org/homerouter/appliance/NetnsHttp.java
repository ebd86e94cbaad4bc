package org.homerouter.appliance;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLSession;

import org.homerouter.bridge.netns.NetworkNamespace;

/**
 * One HTTP/1.0 exchange with a server inside a test's network namespace. A socket belongs to the
 * namespace of the thread that made it, and the JDK's HttpClient makes its sockets on threads of
 * its own: so this thread enters the namespace, connects and comes back. HTTP/1.0 with
 * the connection closed after the answer: no chunks, no keep-alive to parse.
 */
final class NetnsHttp {
    private NetnsHttp() {
    }

    static HttpResponse<String> send(String netns, URI uri, String cookie, String form) throws IOException {
        Socket socket = new Socket();
        try (socket) {
            // The JDK makes the socket's file descriptor at connect, not at new Socket().
            try (NetworkNamespace.Scope in = NetworkNamespace.enter(netns)) {
                socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            }
            socket.setSoTimeout(30_000);
            StringBuilder request = new StringBuilder()
                    .append(form == null ? "GET " : "POST ").append(uri.getRawPath())
                    .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.0\r\n")
                    .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n");
            if (cookie != null) {
                request.append("Cookie: ").append(cookie).append("\r\n");
            }
            byte[] body = form == null ? new byte[0] : form.getBytes(StandardCharsets.UTF_8);
            if (form != null) {
                request.append("Content-Type: application/x-www-form-urlencoded\r\n")
                        .append("Content-Length: ").append(body.length).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = answer.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new IOException("no HTTP answer from " + uri + " in " + netns + ": " + answer);
            }
            String[] lines = answer.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
            return new Answer(status, HttpHeaders.of(headers, (k, v) -> true), answer.substring(end + 4), uri);
        }
    }

    private record Answer(int statusCode, HttpHeaders headers, String body, URI uri) implements HttpResponse<String> {
        @Override
        public HttpRequest request() {
            return HttpRequest.newBuilder(uri).build();
        }

        @Override
        public Optional<HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
