package io.flywheel.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link FakeLlmServer} requiring {@code key} for each test, closed after it:
 * {@code @RegisterExtension final FakeLlmServerExtension fake = new FakeLlmServerExtension(SECRET);}
 * then {@code fake.server()}.
 */
public final class FakeLlmServerExtension implements BeforeEachCallback, AfterEachCallback {
  private final String key;
  private FakeLlmServer server;

  public FakeLlmServerExtension(String key) {
    this.key = key;
  }

  public FakeLlmServer server() {
    return server;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    server = FakeLlmServer.start().requireKey(key);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    server.close();
  }
}
