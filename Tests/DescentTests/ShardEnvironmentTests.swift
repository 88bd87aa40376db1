import Testing

@testable import Descent

/// `--shard auto`: the shard read from the variables a scheduler sets in each task.
struct ShardEnvironmentTests {
  /// The shard and its description, or the error's message.
  private func read(_ environment: [String: String]) -> String {
    read("auto", environment)
  }

  /// The shard `text` stands for and its description, or the error's message.
  private func read(_ text: String, _ environment: [String: String]) -> String {
    do {
      return "\(try Shard.fromEnvironment(text, environment: environment))"
    } catch {
      return "error: \(error)"
    }
  }

  @Test func slurmArrayTaskGivesItsShard() {
    #expect(
      read([
        "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4",
        "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "1",
      ])
        == "shard 3 of 4, from SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_MIN=1, "
        + "SLURM_ARRAY_TASK_COUNT=4, SLURM_ARRAY_TASK_MAX=4 (a Slurm job array)")
    // --array=0-3: the first task is shard 1.
    #expect(
      read(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"])
        == "shard 1 of 4, from SLURM_ARRAY_TASK_ID=0, SLURM_ARRAY_TASK_MIN=0, "
        + "SLURM_ARRAY_TASK_COUNT=4 (a Slurm job array)")
    // --array=1-7:2 is 4 tasks, 1, 3, 5 and 7; MIN and MAX alone give the count.
    #expect(
      read([
        "SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7",
        "SLURM_ARRAY_TASK_STEP": "2",
      ])
        == "shard 3 of 4, from SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_MIN=1, "
        + "SLURM_ARRAY_TASK_STEP=2, SLURM_ARRAY_TASK_MAX=7 (a Slurm job array)")
    // auto/N that agrees with the array is accepted.
    let shard = try? Shard.fromEnvironment(
      "auto/4",
      environment: [
        "SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4",
      ])
    #expect(shard?.shard == Shard(number: 4, count: 4))
  }

  @Test func slurmVariablesThatDisagreeOrAreMissingAreRefused() {
    #expect(
      read([
        "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3",
        "SLURM_ARRAY_TASK_MAX": "5",
      ])
        == "error: auto: SLURM_ARRAY_TASK_COUNT=3 but SLURM_ARRAY_TASK_MIN=1 to "
        + "SLURM_ARRAY_TASK_MAX=5 makes 5 tasks: the array is not a range; submit it as "
        + "--array=A-B or --array=A-B:STEP")
    #expect(
      read(
        "auto/2",
        ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"])
        == "error: auto/2: the Slurm array has 4 tasks (SLURM_ARRAY_TASK_MIN=1, "
        + "SLURM_ARRAY_TASK_COUNT=4) but auto/2 says 2 shards; give --shard auto, or auto/4")
    #expect(
      read(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"])
        == "error: auto: SLURM_ARRAY_TASK_ID=2 is set but SLURM_ARRAY_TASK_MIN, the array's "
        + "first index, is not; Slurm sets both in each task of an array (sbatch --array)")
    #expect(
      read(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1"])
        == "error: auto: SLURM_ARRAY_TASK_ID=2 is set but neither SLURM_ARRAY_TASK_COUNT nor "
        + "SLURM_ARRAY_TASK_MAX, which give the number of tasks; Slurm sets them in each task of "
        + "an array (sbatch --array), or give it as auto/N")
    #expect(
      read(["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"])
        == "error: auto: SLURM_ARRAY_TASK_ID=9 is outside 1 to 4, the indexes of 4 tasks "
        + "(SLURM_ARRAY_TASK_ID=9, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=4, a Slurm job "
        + "array)")
    #expect(
      read(["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_MIN": "1"])
        == "error: auto: SLURM_ARRAY_TASK_ID: expected an integer, found \"x\"")
  }

  @Test func kubernetesIndexedJobNeedsTheCountGiven() {
    #expect(
      read("auto/4", ["JOB_COMPLETION_INDEX": "0"])
        == "shard 1 of 4, from JOB_COMPLETION_INDEX=0 (a Kubernetes Indexed Job)")
    #expect(
      read("auto/4", ["JOB_COMPLETION_INDEX": "3"])
        == "shard 4 of 4, from JOB_COMPLETION_INDEX=3 (a Kubernetes Indexed Job)")
    #expect(
      read(["JOB_COMPLETION_INDEX": "1"])
        == "error: auto: JOB_COMPLETION_INDEX=1 (a Kubernetes Indexed Job) gives the shard but "
        + "not the number of shards; give it as auto/N, N the Job's completions")
    #expect(
      read("auto/4", ["JOB_COMPLETION_INDEX": "4"])
        == "error: auto/4: JOB_COMPLETION_INDEX=4 is outside 0 to 3, the indexes of 4 tasks "
        + "(JOB_COMPLETION_INDEX=4, a Kubernetes Indexed Job)")
  }

  @Test func otherSchedulersGiveTheirShards() {
    #expect(
      read(["CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"])
        == "shard 2 of 3, from CI_NODE_INDEX=2, CI_NODE_TOTAL=3 (a GitLab CI parallel job)")
    #expect(
      read(["BATCH_TASK_INDEX": "0", "BATCH_TASK_COUNT": "2"])
        == "shard 1 of 2, from BATCH_TASK_INDEX=0, BATCH_TASK_COUNT=2 (a Google Cloud Batch job)")
    #expect(
      read("auto/5", ["AWS_BATCH_JOB_ARRAY_INDEX": "4"])
        == "shard 5 of 5, from AWS_BATCH_JOB_ARRAY_INDEX=4 (an AWS Batch array job)")
    #expect(
      read("auto/2", ["CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"])
        == "error: auto/2: CI_NODE_TOTAL=3 (a GitLab CI parallel job) but auto/2 says 2 shards; "
        + "give --shard auto, or auto/3")
  }

  @Test func noSchedulerOrSchedulersThatDisagreeAreRefused() {
    #expect(
      read(["SLURM_ARRAY_TASK_ID": "", "HOME": "/root"])
        == "error: auto: none of the variables that give a task's index is set: "
        + "SLURM_ARRAY_TASK_ID (a Slurm job array), JOB_COMPLETION_INDEX (a Kubernetes Indexed "
        + "Job), AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array job), BATCH_TASK_INDEX (a Google "
        + "Cloud Batch job), CI_NODE_INDEX (a GitLab CI parallel job); run it as a task of one "
        + "of these, or give the shard as K/N, such as 2/4")
    #expect(
      read(
        "auto/4",
        ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "JOB_COMPLETION_INDEX": "2"])
        == "error: auto/4: the schedulers' variables disagree: shard 1 of 4, from "
        + "SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_MIN=1 (a Slurm job array) but shard 3 of 4, "
        + "from JOB_COMPLETION_INDEX=2 (a Kubernetes Indexed Job); unset the variables of the "
        + "scheduler that does not run this task, or give the shard as K/N")
    // Two that agree are fine; the first is named.
    #expect(
      read(
        "auto/4",
        ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "JOB_COMPLETION_INDEX": "2"])
        == "shard 3 of 4, from SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_MIN=1 (a Slurm job array)")
    #expect(
      read("auto/x", ["JOB_COMPLETION_INDEX": "2"])
        == "error: auto/x: expected auto or auto/N, N the number of shards, such as auto/4")
    #expect(
      read("auto/0", ["JOB_COMPLETION_INDEX": "2"])
        == "error: auto/0: the number of shards N must be at least 1")
  }
}
