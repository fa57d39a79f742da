/*
 * Tonghu.BranchingScenario 1.0: a situation in steps. Each step shows what the worker sees and a few
 * choices; a choice leads to another step or to an ending, which carries a score and feedback. Reaching
 * an ending sends an xAPI "completed" statement with the score (success when score >= passScore).
 *
 * content.json: { title, intro: [text], start: nodeId, maxScore, passScore?, labels?,
 *   nodes: [{ id, text: [text], question?, choices: [{ text, next, feedback? }] }],
 *   endings: [{ id, title, score, feedback: [text], citations?: [text] }] }
 * All text is set with textContent: content never becomes HTML.
 */
(function (H5P) {
  'use strict';
  var Tonghu = (window.Tonghu = window.Tonghu || {});

  var DEFAULT_LABELS = {
    start: '开始',
    step: '第 {n} 步',
    question: '你会怎么做？',
    yourChoice: '你的选择',
    good: '处置得当',
    improve: '还需改进',
    score: '得分 {score} / {max}',
    basis: '依据',
    path: '你走过的路',
    restart: '重新开始',
  };

  function fill(s, params) {
    return s.replace(/\{(\w+)\}/g, function (m, k) {
      return k in params ? String(params[k]) : m;
    });
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function paragraphs(parent, texts) {
    (Array.isArray(texts) ? texts : [texts]).forEach(function (t) {
      if (t) parent.appendChild(el('p', null, t));
    });
  }

  function Scenario(params, contentId, extras) {
    H5P.EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    this.extras = extras || {};
    this.labels = {};
    var k;
    for (k in DEFAULT_LABELS) this.labels[k] = DEFAULT_LABELS[k];
    for (k in this.params.labels || {}) this.labels[k] = this.params.labels[k];
    this.nodes = {};
    this.endings = {};
    var self = this;
    (this.params.nodes || []).forEach(function (n) {
      self.nodes[n.id] = n;
    });
    (this.params.endings || []).forEach(function (e) {
      self.endings[e.id] = e;
    });
    this.maxScore = Number(this.params.maxScore) || 1;
    this.passScore = this.params.passScore === undefined ? this.maxScore : Number(this.params.passScore);
    this.score = 0;
    this.path = [];
  }
  Scenario.prototype = Object.create(H5P.EventDispatcher.prototype);
  Scenario.prototype.constructor = Scenario;

  Scenario.prototype.attach = function ($container) {
    this.root = $container.get ? $container.get(0) : $container;
    this.root.classList.add('tonghu-activity', 'tonghu-scenario');
    this.showIntro();
  };

  Scenario.prototype.getScore = function () {
    return this.score;
  };
  Scenario.prototype.getMaxScore = function () {
    return this.maxScore;
  };
  Scenario.prototype.getTitle = function () {
    return this.params.title || '';
  };

  /** Replaces the screen, moves focus to its heading (screen readers announce it) and resizes the frame. */
  Scenario.prototype.render = function (build) {
    while (this.root.firstChild) this.root.removeChild(this.root.firstChild);
    var heading = build.call(this, this.root);
    // focus follows the learner's own steps; never on first display (it would pull focus off the page)
    if (heading && this.started) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    this.trigger('resize');
    this.started = true;
  };

  Scenario.prototype.showIntro = function () {
    var self = this;
    this.path = [];
    this.render(function (root) {
      var h = el('h2', null, self.params.title);
      root.appendChild(h);
      paragraphs(root, self.params.intro);
      var b = el('button', 't-primary', self.labels.start);
      b.type = 'button';
      b.addEventListener('click', function () {
        self.showNode(self.params.start, null);
      });
      root.appendChild(b);
      return h;
    });
  };

  Scenario.prototype.showNode = function (id, lastChoice) {
    var self = this;
    var node = this.nodes[id];
    if (!node) return this.showEnding(id, lastChoice);
    this.render(function (root) {
      if (lastChoice && lastChoice.feedback) {
        var fb = el('div', 't-feedback' + (lastChoice.tone === 'bad' ? ' t-bad' : lastChoice.tone === 'warn' ? ' t-warn' : ''));
        fb.setAttribute('role', 'status');
        paragraphs(fb, lastChoice.feedback);
        root.appendChild(fb);
      }
      var stepLabel = fill(self.labels.step, { n: self.path.length + 1 });
      if (node.title) root.appendChild(el('p', 't-step', stepLabel));
      var h = el('h2', null, node.title || stepLabel);
      root.appendChild(h);
      paragraphs(root, node.text);
      root.appendChild(el('p', 't-question', node.question || self.labels.question));
      var list = el('ul', 't-choices');
      node.choices.forEach(function (c, i) {
        var li = el('li');
        var b = el('button', 't-choice', c.text);
        b.type = 'button';
        b.setAttribute('data-choice', String(i));
        b.addEventListener('click', function () {
          self.path.push(c.text);
          self.showNode(c.next, c);
        });
        li.appendChild(b);
        list.appendChild(li);
      });
      root.appendChild(list);
      return h;
    });
  };

  Scenario.prototype.showEnding = function (id, lastChoice) {
    var self = this;
    var end = this.endings[id];
    if (!end) throw new Error('Tonghu.BranchingScenario: no step or ending "' + id + '"');
    this.score = Math.max(0, Math.min(this.maxScore, Number(end.score) || 0));
    var success = this.score >= this.passScore;
    this.render(function (root) {
      if (lastChoice && lastChoice.feedback) {
        var fb = el('div', 't-feedback' + (success ? '' : ' t-bad'));
        paragraphs(fb, lastChoice.feedback);
        root.appendChild(fb);
      }
      var badge = el('span', 't-badge' + (success ? '' : ' t-bad'), success ? self.labels.good : self.labels.improve);
      root.appendChild(badge);
      var h = el('h2', null, end.title);
      root.appendChild(h);
      var sc = el('p', 't-score', fill(self.labels.score, { score: self.score, max: self.maxScore }));
      sc.setAttribute('role', 'status');
      root.appendChild(sc);
      paragraphs(root, end.feedback);
      if (end.citations && end.citations.length) {
        root.appendChild(el('p', 't-cite', self.labels.basis + '：' + end.citations.join('；')));
      }
      if (self.path.length) {
        root.appendChild(el('p', 't-step', self.labels.path));
        var ol = el('ol', 't-path');
        self.path.forEach(function (p) {
          ol.appendChild(el('li', null, p));
        });
        root.appendChild(ol);
      }
      var again = el('button', 't-primary', self.labels.restart);
      again.type = 'button';
      again.addEventListener('click', function () {
        self.showIntro();
      });
      root.appendChild(again);
      return h;
    });
    // the ending is where the scenario is scored: one statement, completion true, success by passScore
    this.triggerXAPIScored(this.score, this.maxScore, 'completed', true, success);
  };

  Tonghu.BranchingScenario = Scenario;
})(H5P);
