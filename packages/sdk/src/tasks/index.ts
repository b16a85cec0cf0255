// @splitflow/sdk/tasks: real tasks on top of the client, as publishers specify their pre- and
// post-processing (PP-OCR, Silero VAD, MobileNetV2), and pipelines whose stages route on their own.
// A subpath of its own, so the core bundle carries none of it.

export { resample, toMono } from './audio/resample.js';
export {
  initialVadState,
  readVadOutputs,
  type SegmentOptions,
  type SpeechSegment,
  speechSegments,
  VAD_CONTEXT_SAMPLES,
  VAD_FRAME_SAMPLES,
  VAD_SAMPLE_RATE,
  type VadState,
  vadFrameInputs,
} from './audio/silero-vad.js';
export { type DecodedAudio, decodeWav } from './audio/wav.js';
export { audioFromBlob, type Recording, recordMicrophone } from './browser/audio-source.js';
export { imageFromBlob, imageFromVideo, openCamera } from './browser/image-source.js';
export { type Label, prepareNhwc, topK } from './classify/image-classifier.js';
export { type Box, checkImage, cropImage, type Normalisation, type RgbaImage, resizeImage, rotate180 } from './image/rgba-image.js';
export { type DbOptions, type DetectionInput, type DetectionOptions, dbBoxes, prepareDetection, type TextBox } from './ocr/detection.js';
export { type Direction, prepareDirection, readDirections } from './ocr/direction.js';
export { ctcGreedyDecode, parseKeys, prepareRecognition, type RecognisedText } from './ocr/recognition.js';
export { type ClassifyOptions, type ClassifyResult, classifyImage } from './pipeline/classify-image.js';
export { createOcrPipeline, type OcrLine, type OcrPipeline, type OcrPipelineOptions, type OcrResult, type OcrRunOptions } from './pipeline/ocr-pipeline.js';
export { createDeadlineShare, type DeadlineShare, type StageCall, type StageOptions, type StageReport } from './pipeline/stage.js';
export { charAccuracy, editDistance } from './pipeline/text-accuracy.js';
export { createVadStream, detectSpeech, type SpeechDetection, type VadFrame, type VadStream, type VadStreamOptions } from './pipeline/vad-stream.js';
