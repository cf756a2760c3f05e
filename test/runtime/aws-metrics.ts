/*
 * The metrics AWS publishes that the library's alarms read, with the dimension sets each is
 * published under, from each service's CloudWatch metrics page. A metric or dimension set that is
 * not here is one no AWS service publishes as far as these pages say: the event-path check fails
 * on it until it is added here with its source.
 */

/** Namespace -> metric name -> the dimension sets (sorted names) AWS publishes it under. */
export const AWS_METRICS: { readonly [namespace: string]: { readonly [metric: string]: string[][] } } = {
  // AWS IoT Core developer guide, "AWS IoT metrics and dimensions".
  'AWS/IoT': {
    ...Object.fromEntries([
      'Connect.AuthNError', 'Connect.AuthZError', 'Connect.ClientError', 'Connect.ClientIDThrottle', 'Connect.ServerError',
      'Connect.Success', 'Connect.Throttle', 'Ping.Success',
      'PublishIn.AuthZError', 'PublishIn.ClientError', 'PublishIn.ServerError', 'PublishIn.Success', 'PublishIn.Throttle',
      'PublishOut.AuthZError', 'PublishOut.ClientError', 'PublishOut.Success', 'PublishOut.Throttle',
      'PublishRetained.AuthZError', 'PublishRetained.ServerError', 'PublishRetained.Success', 'PublishRetained.Throttle',
      'Queued.Success', 'Queued.Throttle', 'Queued.ServerError',
      'Subscribe.AuthZError', 'Subscribe.ClientError', 'Subscribe.ServerError', 'Subscribe.Success', 'Subscribe.Throttle',
      'Unsubscribe.ClientError', 'Unsubscribe.ServerError', 'Unsubscribe.Success', 'Unsubscribe.Throttle',
    ].map((m) => [m, [['Protocol']]])),
    // Rule metrics and rule action metrics.
    TopicMatch: [['RuleName']],
    ParseError: [['RuleName']],
    RuleMessageThrottled: [['RuleName']],
    RuleNotFound: [[]],
    RulesExecuted: [[]],
    Success: [['ActionType', 'RuleName']],
    Failure: [['ActionType', 'RuleName']],
    ErrorActionSuccess: [['ActionType', 'RuleName']],
    ErrorActionFailure: [['ActionType', 'RuleName']],
    // Jobs metrics (AWS spells one of them SuccededJobExecutionCount).
    ...Object.fromEntries([
      'CanceledJobExecutionCount', 'CanceledJobExecutionTotalCount', 'ClientErrorCount', 'FailedJobExecutionCount',
      'FailedJobExecutionTotalCount', 'InProgressJobExecutionCount', 'InProgressJobExecutionTotalCount',
      'RejectedJobExecutionCount', 'RejectedJobExecutionTotalCount', 'RemovedJobExecutionCount', 'RemovedJobExecutionTotalCount',
      'QueuedJobExecutionCount', 'QueuedJobExecutionTotalCount', 'ServerErrorCount', 'SuccededJobExecutionCount',
      'SuccededJobExecutionTotalCount', 'TimedOutJobExecutionCount', 'TimedOutJobExecutionTotalCount',
    ].map((m) => [m, [['JobId']]])),
  },
  // Amazon SQS developer guide, "Available CloudWatch metrics for Amazon SQS".
  'AWS/SQS': Object.fromEntries([
    'ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesVisible', 'NumberOfEmptyReceives', 'NumberOfMessagesDeleted', 'NumberOfMessagesReceived',
    'NumberOfMessagesSent', 'SentMessageSize',
  ].map((m) => [m, [['QueueName']]])),
  // AWS Step Functions developer guide, "Execution metrics".
  'AWS/States': Object.fromEntries([
    'ExecutionTime', 'ExecutionThrottled', 'ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsStarted',
    'ExecutionsSucceeded', 'ExecutionsTimedOut', 'ExecutionsRedriven', 'RedrivenExecutionsFailed',
  ].map((m) => [m, [['StateMachineArn']]])),
  // AWS Lambda developer guide, "Types of metrics for Lambda functions".
  'AWS/Lambda': Object.fromEntries(['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions', 'DeadLetterErrors', 'AsyncEventsDropped']
    .map((m) => [m, [[], ['FunctionName'], ['FunctionName', 'Resource']]])),
  // Amazon EventBridge user guide, "Monitoring Amazon EventBridge".
  'AWS/Events': Object.fromEntries(['FailedInvocations', 'Invocations', 'TriggeredRules', 'MatchedEvents', 'ThrottledRules']
    .map((m) => [m, [['RuleName'], ['EventBusName', 'RuleName']]])),
};

/**
 * The resource a dimension's value must name, for the dimensions that name one: the alarm reads
 * the metric of a resource the app creates, not of some other resource.
 */
export const DIMENSION_RESOURCES: { readonly [dimension: string]: { type: string; as: 'ref' | string } } = {
  QueueName: { type: 'AWS::SQS::Queue', as: 'QueueName' },
  StateMachineArn: { type: 'AWS::StepFunctions::StateMachine', as: 'ref' },
  FunctionName: { type: 'AWS::Lambda::Function', as: 'ref' },
};
