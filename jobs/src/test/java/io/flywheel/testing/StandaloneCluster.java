package io.flywheel.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 (a master and one-core workers in their own JVMs),
 * started from the test classpath: a SPARK_HOME whose {@code jars/} holds that classpath, with
 * Flywheel's class folders packed as jars (the recipe is in docs/testing.md). {@link #close} ends every
 * process it started, by pid.
 */
public final class StandaloneCluster implements AutoCloseable {
  /** The jobs module's classes as a jar in {@code jars/}: what a test submits as the application jar. */
  public static final String JOBS_JAR = "flywheel-jobs-under-test.jar";
  /**
   * JVM options for a test's short-lived drivers and executors on two shared cores: the client JIT
   * compiler only and one GC thread (the optimizing compiler's threads were most of each submission's
   * CPU time: a summarize submission took 151.9 s without them, 71.6 s with them).
   */
  public static final List<String> SHORT_LIVED_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private final Path dir;
  private final List<Process> started = new ArrayList<>();
  private final List<Path> workDirs = new ArrayList<>();
  private int port;
  private int webUiPort;

  private StandaloneCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts a master and {@code workers} workers of one core and {@code workerMemory} each; waits until all registered. */
  public static StandaloneCluster start(Path dir, int workers, String workerMemory) throws Exception {
    return start(dir, workers, 1, workerMemory);
  }

  /**
   * Starts a master and {@code workers} workers of {@code cores} cores (slots: the machine's cores are
   * shared) and {@code workerMemory} each; waits until all registered.
   */
  public static StandaloneCluster start(Path dir, int workers, int cores, String workerMemory) throws Exception {
    StandaloneCluster c = new StandaloneCluster(dir);
    try {
      c.sparkHome();
      c.port = freePort();
      c.webUiPort = freePort();
      Path masterLog = dir.resolve("master.log");
      c.java(masterLog, "-Xmx512m", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
          "--port", Integer.toString(c.port), "--webui-port", Integer.toString(c.webUiPort));
      awaitLine(masterLog, "I have been elected leader", 90);
      List<Path> logs = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        Path log = dir.resolve("worker-" + i + ".log");
        Path work = Files.createDirectories(dir.resolve("work-" + i));
        logs.add(log);
        c.workDirs.add(work);
        c.java(log, "-Xmx512m", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", Integer.toString(cores),
            "--memory", workerMemory, "--webui-port", Integer.toString(freePort()), "--work-dir", work.toString(),
            c.masterUrl());
      }
      for (Path log : logs) {
        awaitLine(log, "Successfully registered with master", 90);
      }
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  public Path sparkHomeDir() {
    return dir.resolve("spark-home");
  }

  public Path jobsJar() {
    return sparkHomeDir().resolve("jars").resolve(JOBS_JAR);
  }

  /** The applications (app ids) that ran an executor on worker {@code i}: the folders in its work dir. */
  public TreeSet<String> applicationsOnWorker(int i) throws IOException {
    try (Stream<Path> apps = Files.list(workDirs.get(i))) {
      return apps.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("app-"))
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  public int workers() {
    return workDirs.size();
  }

  /**
   * Starts {@code java [jvmOptions...] -cp SPARK_HOME/jars/* args...} with the cluster's environment, its
   * output (both streams) into {@code log}; the process is ended by {@link #close} if still running.
   */
  public Process java(Path log, List<String> jvmOptions, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(sparkHomeDir().resolve("jars") + File.separator + "*");
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(Map.of("SPARK_HOME", sparkHomeDir().toString(), "SPARK_SCALA_VERSION", "2.13",
        "SPARK_LOCAL_IP", "127.0.0.1"));
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private void java(Path log, String heap, String... args) throws IOException {
    List<String> options = new ArrayList<>(TestSpark.jvmFlags());
    options.add(heap);
    java(log, options, List.of(args));
  }

  @Override
  public void close() {
    // Workers stop their executors on SIGTERM; anything left is ended by its pid.
    List<ProcessHandle> all = new ArrayList<>();
    for (Process p : started) {
      p.descendants().forEach(all::add);
      all.add(p.toHandle());
    }
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }

  /** A SPARK_HOME whose jars/ holds the test classpath, with Flywheel's class folders as jars. */
  private void sparkHome() throws IOException {
    Path home = sparkHomeDir();
    Path jars = Files.createDirectories(home.resolve("jars"));
    Files.createFile(home.resolve("RELEASE"));
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p) && !p.endsWith("test-classes")) {
        String name = p.toString().contains("jobs") ? JOBS_JAR : "flywheel-classes-" + n++ + ".jar";
        jar(p, jars.resolve(name));
      } else if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
        Path link = jars.resolve(p.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, p);
        }
      }
    }
    if (!Files.exists(jars.resolve(JOBS_JAR))) {
      throw new IllegalStateException("no jobs class folder on the test classpath: " + System.getProperty("java.class.path"));
    }
  }

  private static void jar(Path classes, Path target) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target)); Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
  }

  /** Waits until {@code log} holds {@code line}; fails with the log's tail after {@code seconds}. */
  public static void awaitLine(Path log, String line, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(line)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no '" + line + "' in " + log + " after " + seconds + " s: " + tail(log));
  }

  /** The last 4000 characters of {@code log}, for failure messages. */
  public static String tail(Path log) throws IOException {
    String s = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "(no log)";
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
