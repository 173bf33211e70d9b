/** How much of the Azure conv trace the GPU enactment checks replay (first N requests). */
export const GPU_CHECK_REQUESTS = 64;
/** Output tokens are capped so one check stays within seconds of device time (prompts are kept). */
export const GPU_CHECK_MAX_OUTPUT = 512;
