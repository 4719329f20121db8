/* grade_run.c - runs the graders' tests on a student's code, and is the only
 * process that says whether a test passed. It never runs student code
 * itself: each test runs in a fresh process (a grading binary, see
 * grade_child.c) that it watches from outside.
 *
 *     grade_run [--jobs N] [--timeout SECONDS] OUTDIR SET EXERCISE BINARY TESTFILE ...
 *
 * For each group of four, the tests of EXERCISE are read from the pristine
 * TESTFILE (its GRADED_TESTS lines, never from the binary) and run with
 * BINARY. Writes OUTDIR/SET.tap (one line per test) and OUTDIR/SET.log (what
 * each test printed), once every process started for grading has ended.
 *
 * Each test gets a supervisor process that
 *   - starts the test in a process group of its own, as user "nobody" when
 *     run as root, with a clean environment and resource limits;
 *   - reads its record (pipe, fd 3) and its output (pipe, stdout and
 *     stderr; the first 64 KiB are kept, the rest counted and dropped);
 *   - kills the group when the time limit passes;
 *   - is a "child subreaper", so processes that fork, double-fork or setsid
 *     away from the test come back to it, and are killed and reaped before
 *     it reports.
 * A test passes only when its record says "pass" with the random token it
 * was given on fd 4 (written after the test function returned) and it then
 * exited with status 0 in time. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TASKS 512
#define OUTPUT_KEEP (64 * 1024)   /* bytes of a test's output kept in the log */
#define RECORD_MAX 1024
#define MESSAGE_MAX 400

typedef struct {
    const char *set, *exercise, *binary;
    char name[128];
    int passed;
    char message[MESSAGE_MAX + 1];
    char *output;                 /* what the test printed, at most OUTPUT_KEEP bytes */
    size_t output_len;
    unsigned long long dropped;   /* output bytes beyond OUTPUT_KEEP */
} Task;

static double timeout_s = 3.0;
static const struct passwd *run_as;   /* "nobody" when grading as root */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Control characters and bytes beyond ASCII become spaces and '?': a message
 * stays one line of plain text, so it cannot pose as another record. */
static void sanitize(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[n++] = c < 0x20 || c == 0x7f ? ' ' : c >= 0x80 ? '?' : (char)c;
    }
    dst[n] = '\0';
}

/* Kills every process this one is parent of (as a subreaper, that includes
 * orphans of the test), then reaps them, until none is left. */
static void kill_and_reap_children(void)
{
    for (;;) {
        DIR *proc = opendir("/proc");
        struct dirent *e;
        while (proc && (e = readdir(proc))) {
            char path[300], buf[512];
            pid_t pid = (pid_t)atoi(e->d_name);
            if (pid <= 0) continue;
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = '\0';
            char *close_paren = strrchr(buf, ')');   /* the name may hold spaces */
            int ppid = 0;
            if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == getpid())
                kill(pid, SIGKILL);
        }
        if (proc) closedir(proc);
        int status;
        if (waitpid(-1, &status, 0) < 0 && errno == ECHILD) return;
    }
}

/* In the test's process: limits, user, descriptors, then the binary. */
static void exec_test(const Task *t, int out_fd, int record_fd, int token_fd)
{
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0 ||
        dup2(record_fd, 3) < 0 || dup2(token_fd, 4) < 0)
        _exit(127);
    for (int fd = 5; fd < 1024; fd++) close(fd);

    struct rlimit cpu = {(rlim_t)timeout_s + 2, (rlim_t)timeout_s + 2};
    struct rlimit fsize = {16 << 20, 16 << 20};     /* files it writes: 16 MiB */
    struct rlimit memory = {4UL << 30, 4UL << 30};  /* address space: 4 GiB */
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_FSIZE, &fsize);
    setrlimit(RLIMIT_AS, &memory);
    setrlimit(RLIMIT_CORE, &nocore);
    if (run_as) {
        /* Counted per user: a fork bomb stops here, not at the machine's limit. */
        struct rlimit nproc = {256, 256};
        setrlimit(RLIMIT_NPROC, &nproc);
        if (setgroups(0, NULL) != 0 || setgid(run_as->pw_gid) != 0 || setuid(run_as->pw_uid) != 0 ||
            getuid() == 0)
            _exit(127);
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (chdir("/") != 0) _exit(127);
    char *argv[] = {(char *)t->binary, "--run", (char *)t->name, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp", "LC_ALL=C", NULL};
    execve(t->binary, argv, envp);
    _exit(127);
}

/* Appends what is readable on fd (non-blocking): returns 1 when it read
 * something, 0 at end of file, -1 when there is nothing to read now. */
static int drain(int fd, char *keep, size_t cap, size_t *len, unsigned long long *dropped)
{
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) return -1;
    if (n == 0) return 0;
    size_t room = cap - *len, take = (size_t)n < room ? (size_t)n : room;
    memcpy(keep + *len, buf, take);
    *len += take;
    if (dropped) *dropped += (unsigned long long)n - take;
    return 1;
}

/* The supervisor: runs one test and writes its verdict to result_fd as
 * "P\n" or "F message\n", then the test's output. */
static void supervise(Task *t, int result_fd)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int out[2], rec[2], tok[2];
    if (pipe(out) != 0 || pipe(rec) != 0 || pipe(tok) != 0) _exit(1);
    /* The token: 16 random bytes in hex, waiting in a pipe for the child. */
    unsigned char random_bytes[16];
    char token[40], expected[48];
    int urandom = open("/dev/urandom", O_RDONLY);
    if (urandom < 0 || read(urandom, random_bytes, sizeof random_bytes) != (ssize_t)sizeof random_bytes) _exit(1);
    close(urandom);
    for (int i = 0; i < 16; i++) snprintf(token + 2 * i, 3, "%02x", random_bytes[i]);
    snprintf(expected, sizeof expected, "pass %s\n", token);
    if (write(tok[1], token, strlen(token)) != (ssize_t)strlen(token)) _exit(1);
    close(tok[1]);
    pid_t pid = fork();
    if (pid < 0) _exit(1);
    if (pid == 0) {
        close(out[0]);
        close(rec[0]);
        exec_test(t, out[1], rec[1], tok[0]);
    }
    close(tok[0]);
    setpgid(pid, pid);
    close(out[1]);
    close(rec[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(rec[0], F_SETFL, O_NONBLOCK);

    static char output[OUTPUT_KEEP];
    char record[RECORD_MAX];
    size_t output_len = 0, record_len = 0;
    unsigned long long dropped = 0, record_dropped = 0;
    int out_open = 1, rec_open = 1, status = 0, exited = 0, timed_out = 0;
    double deadline = now() + timeout_s;
    while (!exited) {
        struct pollfd fds[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {rec_open ? rec[0] : -1, POLLIN, 0}};
        poll(fds, 2, 20);
        if (out_open && fds[0].revents) out_open = drain(out[0], output, sizeof output, &output_len, &dropped) != 0;
        if (rec_open && fds[1].revents) rec_open = drain(rec[0], record, sizeof record, &record_len, &record_dropped) != 0;
        if (waitpid(pid, &status, WNOHANG) == pid) exited = 1;
        else if (now() > deadline) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            exited = 1;
        }
    }
    /* Processes it left behind may hold the pipes open: kill them all first,
     * then read what is left up to the end of file. */
    kill(-pid, SIGKILL);
    kill_and_reap_children();
    while (out_open && drain(out[0], output, sizeof output, &output_len, &dropped) > 0) {}
    while (rec_open && drain(rec[0], record, sizeof record, &record_len, &record_dropped) > 0) {}
    close(out[0]);
    close(rec[0]);

    char message[MESSAGE_MAX + 1], verdict[MESSAGE_MAX + 64];
    int record_pass = record_len == strlen(expected) && memcmp(record, expected, record_len) == 0;
    int record_fail = record_len >= 5 && memcmp(record, "fail\n", 5) == 0;
    if (timed_out)
        snprintf(verdict, sizeof verdict, "F timed out after %g s (an endless loop?)\n", timeout_s);
    else if (record_fail) {
        sanitize(message, sizeof message, record + 5, record_len - 5);
        snprintf(verdict, sizeof verdict, "F %s\n", message);
    } else if (WIFSIGNALED(status))
        snprintf(verdict, sizeof verdict, "F the test was stopped by signal %d (%s)\n", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (!record_pass)
        snprintf(verdict, sizeof verdict, "F the test did not run to its end (the process exited "
                 "with status %d before finishing the test)\n", WEXITSTATUS(status));
    else if (WEXITSTATUS(status) != 0)
        snprintf(verdict, sizeof verdict, "F the test process exited with status %d\n", WEXITSTATUS(status));
    else
        snprintf(verdict, sizeof verdict, "P\n");
    FILE *result = fdopen(result_fd, "w");
    if (!result) _exit(1);
    fputs(verdict, result);
    fwrite(output, 1, output_len, result);
    if (dropped) fprintf(result, "\n[output truncated: %llu more bytes were dropped]\n", dropped);
    _exit(fclose(result) == 0 ? 0 : 1);
}

/* Turns what a supervisor sent into the task's verdict, message and output. */
static void read_verdict(Task *t, char *buf, size_t len)
{
    char *newline = memchr(buf, '\n', len);
    if (len < 2 || !newline) {
        t->passed = 0;
        snprintf(t->message, sizeof t->message, "the grader lost this test's result");
        return;
    }
    t->passed = buf[0] == 'P';
    size_t head = (size_t)(newline - buf);
    if (t->passed) snprintf(t->message, sizeof t->message, "Passed");
    else sanitize(t->message, sizeof t->message, buf + 2, head > 2 ? head - 2 : 0);
    t->output_len = len - head - 1;
    t->output = malloc(t->output_len + 1);
    if (t->output) memcpy(t->output, newline + 1, t->output_len);
    else t->output_len = 0;
}

/* Runs all tasks, `jobs` at a time, each under its own supervisor. */
static void run_all(Task *tasks, int num_tasks, int jobs)
{
    enum { MAX_JOBS = 64 };
    struct { pid_t pid; int fd; int task; char *buf; size_t len; } slot[MAX_JOBS];
    if (jobs > MAX_JOBS) jobs = MAX_JOBS;
    int next = 0, active = 0;
    for (int j = 0; j < jobs; j++) slot[j].pid = 0;
    const size_t cap = OUTPUT_KEEP + MESSAGE_MAX + 256;
    while (next < num_tasks || active > 0) {
        for (int j = 0; j < jobs && next < num_tasks; j++) {
            if (slot[j].pid) continue;
            int p[2];
            if (pipe(p) != 0) { perror("grade_run: pipe"); exit(1); }
            fflush(NULL);
            pid_t pid = fork();
            if (pid < 0) { perror("grade_run: fork"); exit(1); }
            if (pid == 0) {
                close(p[0]);
                supervise(&tasks[next], p[1]);
            }
            close(p[1]);
            slot[j].pid = pid;
            slot[j].fd = p[0];
            slot[j].task = next++;
            slot[j].buf = malloc(cap);
            slot[j].len = 0;
            if (!slot[j].buf) { perror("grade_run"); exit(1); }
            active++;
        }
        struct pollfd fds[MAX_JOBS];
        for (int j = 0; j < jobs; j++) fds[j] = (struct pollfd){slot[j].pid ? slot[j].fd : -1, POLLIN, 0};
        if (poll(fds, (nfds_t)jobs, -1) < 0 && errno != EINTR) { perror("grade_run: poll"); exit(1); }
        for (int j = 0; j < jobs; j++) {
            if (!slot[j].pid || !fds[j].revents) continue;
            char buf[8192];
            ssize_t n = read(slot[j].fd, buf, sizeof buf);
            if (n > 0) {
                size_t take = slot[j].len + (size_t)n <= cap ? (size_t)n : cap - slot[j].len;
                memcpy(slot[j].buf + slot[j].len, buf, take);
                slot[j].len += take;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            close(slot[j].fd);
            waitpid(slot[j].pid, NULL, 0);
            read_verdict(&tasks[slot[j].task], slot[j].buf, slot[j].len);
            free(slot[j].buf);
            slot[j].pid = 0;
            active--;
        }
    }
}

/* The tests of one exercise, from the pristine test file's GRADED_TESTS lines:
 *     {"ex1", &test_ex1_plain_step}, */
static int read_tests(const char *path, const char *set, const char *exercise, const char *binary,
                      Task *tasks, int *num_tasks)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512], ex[32], name[128];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, " {\"%31[^\"]\", &%127[A-Za-z0-9_]}", ex, name) != 2) continue;
        if (strcmp(ex, exercise) != 0) continue;
        if (*num_tasks == MAX_TASKS) break;
        Task *t = &tasks[(*num_tasks)++];
        memset(t, 0, sizeof *t);
        t->set = set;
        t->exercise = exercise;
        t->binary = binary;
        snprintf(t->name, sizeof t->name, "%s", name);
    }
    fclose(f);
    return 0;
}

static int write_reports(const char *outdir, Task *tasks, int num_tasks)
{
    int status = 0;
    for (int i = 0; i < num_tasks; i++) {
        const char *set = tasks[i].set;
        int first = 1;
        for (int k = 0; k < i; k++) first &= strcmp(tasks[k].set, set) != 0;
        if (!first) continue;
        char tap_path[4096], log_path[4096];
        snprintf(tap_path, sizeof tap_path, "%s/%s.tap", outdir, set);
        snprintf(log_path, sizeof log_path, "%s/%s.log", outdir, set);
        FILE *tap = fopen(tap_path, "w"), *log = fopen(log_path, "w");
        if (!tap || !log) { perror("grade_run: cannot write the report"); exit(1); }
        int number = 0;
        for (int k = i; k < num_tasks; k++) {
            Task *t = &tasks[k];
            if (strcmp(t->set, set) != 0) continue;
            fprintf(tap, "%sok %d - %s:%s:%s: %s\n", t->passed ? "" : "not ", ++number, set,
                    t->exercise, t->name, t->message);
            fprintf(log, "---- %s %s: %s\n", t->exercise, t->name, t->passed ? "passed" : t->message);
            fwrite(t->output, 1, t->output_len, log);
            if (t->output_len && t->output[t->output_len - 1] != '\n') fputc('\n', log);
        }
        if (fclose(tap) != 0 || fclose(log) != 0) status = 1;
    }
    return status;
}

int main(int argc, char **argv)
{
    int jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), a = 1;
    for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
        if (strcmp(argv[a], "--jobs") == 0) jobs = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--timeout") == 0) timeout_s = atof(argv[a + 1]);
        else break;
    }
    if (argc - a < 5 || (argc - a - 1) % 4 != 0 || jobs < 1 || !(timeout_s > 0)) {
        fprintf(stderr, "usage: grade_run [--jobs N] [--timeout S] OUTDIR SET EXERCISE BINARY TESTFILE ...\n");
        return 2;
    }
    if (geteuid() == 0) {
        run_as = getpwnam("nobody");
        if (!run_as) {
            fprintf(stderr, "grade_run: running as root, but there is no user 'nobody' to run student code as\n");
            return 1;
        }
    }
    const char *outdir = argv[a];
    static Task tasks[MAX_TASKS];
    int num_tasks = 0;
    for (int i = a + 1; i + 3 < argc; i += 4)
        if (read_tests(argv[i + 3], argv[i], argv[i + 1], argv[i + 2], tasks, &num_tasks) != 0) {
            fprintf(stderr, "grade_run: cannot read %s\n", argv[i + 3]);
            return 1;
        }
    /* Orphans of the supervisors (there should be none) come back here. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    run_all(tasks, num_tasks, jobs);
    kill_and_reap_children();
    return write_reports(outdir, tasks, num_tasks);
}
